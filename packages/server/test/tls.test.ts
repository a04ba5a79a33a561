import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificate, type TestCertificate } from "../../core/test/fixtures/tls-cert.ts";
import { CliError } from "../src/errors.ts";
import { createLogger } from "../src/logger.ts";
import { readTls } from "../src/tls.ts";

let dir: string;
let one: TestCertificate;
let other: TestCertificate;
const logger = createLogger({ level: "silent", json: false });

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), "echo-tls-"));
	one = makeCertificate(dir, "one");
	other = makeCertificate(dir, "other");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tlsError(cert: string, key: string): string {
	try {
		readTls({ cert, key }, logger);
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_TLS");
		expect((error as CliError).exitCode).toBe(6);
		return (error as CliError).message;
	}
	throw new Error("no error");
}

test("a matching pair: the PEM text, and whether it signs itself", () => {
	const pem = readTls(one, logger);
	expect(pem.cert).toStartWith("-----BEGIN CERTIFICATE-----");
	expect(pem.key).toContain("PRIVATE KEY-----");
	expect(pem.selfSigned).toBe(true);
});

test("each way the files can be wrong is one clear E_TLS line", () => {
	const missing = join(dir, "missing.pem");
	expect(tlsError(missing, one.key)).toBe(`cannot read TLS certificate ${missing}: no such file`);
	expect(tlsError(one.cert, missing)).toBe(`cannot read TLS key ${missing}: no such file`);
	expect(tlsError(dir, one.key)).toBe(`cannot read TLS certificate ${dir}: it is a directory`);
	expect(tlsError(one.key, one.key)).toContain("is not a PEM certificate");
	expect(tlsError(one.cert, one.cert)).toContain("is not an unencrypted PEM private key");
	expect(tlsError(one.cert, other.key)).toBe(
		`TLS key ${other.key} does not belong to the certificate ${one.cert}`,
	);
	const empty = join(dir, "empty.pem");
	writeFileSync(empty, "");
	expect(tlsError(empty, one.key)).toContain("is not a PEM certificate");
	if (process.getuid?.() !== 0) {
		// root reads any file: the permission case only means something for other users.
		const locked = join(dir, "locked.pem");
		writeFileSync(locked, "x");
		chmodSync(locked, 0);
		expect(tlsError(locked, one.key)).toContain("permission denied");
	}
});
