/**
 * A reader of the Prometheus text exposition format, version 0.0.4 (what prom-client, and so
 * `echo-server --metrics-port`, serves): `# HELP` and `# TYPE` lines, other comments, samples
 * with labels whose values carry the escapes `\\`, `\"` and `\n`, values such as `1e3`, `NaN`
 * and `+Inf`, an optional timestamp. Written here rather than taken from npm: the one parser
 * there (`parse-prometheus-text-format`) is unmaintained and pulls in a dependency, and
 * this is one small loop over characters.
 * @module
 */

/** One sample line: a series and its value. */
export interface Sample {
	/** The metric name as written, e.g. `echokit_received_bytes_total`. */
	name: string;
	/** Label names to their (unescaped) values. */
	labels: Record<string, string>;
	/** May be `NaN` or ±`Infinity`. */
	value: number;
}

/** A parsed exposition: every sample in order, and the `# TYPE` of each family that has one. */
export interface Exposition {
	samples: Sample[];
	/** Family name to `counter`, `gauge`, `histogram`, `summary` or `untyped`. */
	types: Map<string, string>;
}

/** What a line that is not the format raises; `line` is 1-based. */
export class ExpositionError extends Error {
	override readonly name = "ExpositionError";
	constructor(
		readonly line: number,
		problem: string,
	) {
		super(`line ${line}: ${problem}`);
	}
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
const NUMBER = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/**
 * Parses `text`; throws an {@link ExpositionError} naming the first line that is not valid.
 * @example
 * const { samples, types } = parseExposition(await (await fetch(url)).text());
 */
export function parseExposition(text: string): Exposition {
	const samples: Sample[] = [];
	const types = new Map<string, string>();
	const lines = text.split("\n");
	lines.forEach((raw, index) => {
		const line = raw.replace(/^[ \t]+/, "").replace(/[ \t\r]+$/, "");
		if (line === "") return;
		if (line.startsWith("#")) {
			const parts = line
				.slice(1)
				.trim()
				.split(/[ \t]+/);
			if (parts[0] === "TYPE") {
				const [, name, type] = parts;
				if (!name || !isName(name) || !type || !TYPES.has(type) || parts.length > 3)
					throw new ExpositionError(index + 1, `not a valid # TYPE line: ${JSON.stringify(raw)}`);
				types.set(name, type);
			}
			return; // # HELP and other comments carry nothing we count
		}
		samples.push(parseSample(line, index + 1));
	});
	return { samples, types };
}

/** `name{label="value",…} value [timestamp]`, leading and trailing blanks already gone. */
function parseSample(line: string, lineNo: number): Sample {
	const fail = (problem: string) =>
		new ExpositionError(lineNo, `${problem}: ${JSON.stringify(line)}`);
	let i = 0;
	const name = readName(line, 0, NAME_START, NAME_CHAR);
	if (name === "") throw fail("expected a metric name");
	i = name.length;
	const labels: Record<string, string> = {};
	i = skipBlanks(line, i);
	if (line[i] === "{") {
		i = skipBlanks(line, i + 1);
		while (line[i] !== "}") {
			const label = readName(line, i, LABEL_START, LABEL_CHAR);
			if (label === "") throw fail("expected a label name or }");
			i = skipBlanks(line, i + label.length);
			if (line[i] !== "=") throw fail(`expected = after label ${label}`);
			i = skipBlanks(line, i + 1);
			if (line[i] !== '"') throw fail(`expected a quoted value for label ${label}`);
			let value = "";
			for (i++; line[i] !== '"'; i++) {
				if (i >= line.length) throw fail(`unterminated value of label ${label}`);
				if (line[i] === "\\") {
					const next = line[++i];
					if (next === "n") value += "\n";
					else if (next === "\\" || next === '"') value += next;
					else throw fail(`bad escape \\${next ?? ""} in label ${label}`);
				} else value += line[i];
			}
			if (Object.hasOwn(labels, label)) throw fail(`label ${label} given twice`);
			labels[label] = value;
			i = skipBlanks(line, i + 1);
			if (line[i] === ",") i = skipBlanks(line, i + 1);
			else if (line[i] !== "}") throw fail("expected , or } after a label");
		}
		i++;
	}
	const rest = line
		.slice(i)
		.trim()
		.split(/[ \t]+/);
	if (rest.length < 1 || rest.length > 2 || rest[0] === "") throw fail("expected a value");
	const value = parseValue(rest[0] as string);
	if (value === null) throw fail(`not a number: ${rest[0]}`);
	if (rest.length === 2 && !/^-?\d+$/.test(rest[1] as string)) throw fail("bad timestamp");
	return { name, labels, value };
}

/** A float as Go's ParseFloat reads it for Prometheus: digits, `NaN`, `+Inf`, `-Inf` (any case). */
function parseValue(text: string): number | null {
	const lower = text.toLowerCase();
	if (lower === "nan") return Number.NaN;
	if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
	if (lower === "-inf") return Number.NEGATIVE_INFINITY;
	return NUMBER.test(text) ? Number(text) : null;
}

function isName(text: string): boolean {
	return readName(text, 0, NAME_START, NAME_CHAR) === text;
}

function readName(line: string, from: number, start: RegExp, char: RegExp): string {
	if (!start.test(line[from] ?? "")) return "";
	let end = from + 1;
	while (end < line.length && char.test(line[end] as string)) end++;
	return line.slice(from, end);
}

function skipBlanks(line: string, from: number): number {
	let i = from;
	while (line[i] === " " || line[i] === "\t") i++;
	return i;
}
