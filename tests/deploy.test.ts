/**
 * The container image (deploy/Dockerfile) and the Kubernetes manifests (deploy/kubernetes),
 * checked against the server they run. No image can be built here (no Docker daemon) and no
 * cluster is at hand, so this checks what decides whether they work: the files parse; every
 * ECHO_SERVER_* variable is a real setting; the ports, the probe paths and the timings are the
 * ones the server's own settings code gives for that environment; and the Dockerfile's
 * ENTRYPOINT and HEALTHCHECK, run here with the container's environment (ports 0, loopback),
 * start a server that answers every probe.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exchangeDatagram } from "@echokit/core";
import { readEnv } from "../packages/server/src/env.ts";
import { SETTINGS } from "../packages/server/src/setting-table.ts";
import { resolveSettings, type Settings } from "../packages/server/src/settings.ts";
import {
	argsOf,
	type Dockerfile,
	envOf,
	execForm,
	healthcheck,
	parseDockerfile,
	type Stage,
} from "./fixtures/deploy/dockerfile.ts";
import {
	type Container,
	type Deployment,
	loadManifests,
	only,
	portOf,
	type Service,
} from "./fixtures/deploy/manifests.ts";
import { exchange, killAll, ROOT, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(killAll);

const DEPLOY = join(ROOT, "deploy");
const dockerfile: Dockerfile = parseDockerfile(readFileSync(join(DEPLOY, "Dockerfile"), "utf8"));
const image = dockerfile.stages.at(-1) as Stage;
const manifests = loadManifests(join(DEPLOY, "kubernetes"));
const deployment = only<Deployment>(manifests, "Deployment");
const service = only<Service>(manifests, "Service");
const container = deployment.spec.template.spec.containers[0] as Container;

/** The image's ENV, then the manifest's env over it: what the server in the pod sees. */
const podEnv: Record<string, string> = { ...envOf(image), ...manifestEnv(container) };
/** The settings the server resolves from that environment alone (no flags, no config file). */
const podSettings = settingsFor(podEnv);
/** The same for `docker run` with the image's ENV alone. */
const imageSettings = settingsFor(envOf(image));

const ENV_NAMES = new Set<string>(
	Object.values(SETTINGS).map((spec) => ("env" in spec ? spec.env : "")),
);

describe("deploy/kubernetes", () => {
	test("every manifest parses as Kubernetes reads it (YAML 1.1, no duplicate keys); kustomization.yaml lists the others", () => {
		expect(manifests.map((m) => [m.file, m.problems])).toEqual(manifests.map((m) => [m.file, []]));
		const kustomization = only<{ resources: string[] }>(manifests, "Kustomization");
		const resources = [...new Set(manifests.map((m) => m.file))].filter(
			(file) => file !== "kustomization.yaml",
		);
		expect([...kustomization.resources].sort()).toEqual(resources);
		// Kubernetes wants strings for env values and annotations: `true` or `9464` unquoted is rejected.
		for (const { name, value } of container.env ?? [])
			expect([name, typeof value]).toEqual([name, "string"]);
		for (const [key, value] of Object.entries(
			deployment.spec.template.metadata.annotations ?? {},
		)) {
			expect([key, typeof value]).toEqual([key, "string"]);
		}
	});

	test("every ECHO_SERVER_* variable of the manifests and the Dockerfile is a setting the server reads", () => {
		const used = Object.keys(podEnv).filter((name) => name.startsWith("ECHO_SERVER_"));
		expect(used.length).toBeGreaterThan(0);
		expect(used.filter((name) => !ENV_NAMES.has(name))).toEqual([]);
		// And each one is taken by the server: readEnv gives a setting for every variable.
		expect(Object.keys(readEnv(podEnv))).toHaveLength(used.length);
	});

	test("the container's ports are the ones its environment gives the server; the Service targets them", () => {
		expect(["0.0.0.0", "::"]).toContain(podSettings.host);
		expect(["0.0.0.0", "::"]).toContain(podSettings.metricsHost);
		const expected = portsOf(podSettings);
		const declared = (container.ports ?? []).map(
			(p) => `${p.containerPort}/${p.protocol ?? "TCP"}`,
		);
		expect(declared.sort()).toEqual(expected);
		for (const port of container.ports ?? []) {
			// IANA service names: what a named port must be, or the API server rejects the pod.
			expect(port.name).toMatch(/^(?=.{1,15}$)[a-z0-9]+(-[a-z0-9]+)*$/);
		}
		const targets = service.spec.ports.map((p) => {
			const target = portOf(container, p.targetPort ?? p.port, p.protocol ?? "TCP");
			expect<string>(target.protocol ?? "TCP").toBe(p.protocol ?? "TCP");
			return `${target.containerPort}/${target.protocol ?? "TCP"}`;
		});
		expect(targets.sort()).toEqual(expected);
		expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
		expect(deployment.spec.template.metadata.labels).toMatchObject(
			deployment.spec.selector.matchLabels,
		);
	});

	test("probes and the Prometheus annotations point at the metrics port; paths /livez, /readyz, /metrics", () => {
		const metrics = podSettings.metricsPort;
		expect(metrics).toBeNumber();
		for (const [probe, path] of [
			[container.livenessProbe, "/livez"],
			[container.readinessProbe, "/readyz"],
		] as const) {
			expect(probe?.httpGet?.path).toBe(path);
			expect(portOf(container, probe?.httpGet?.port, "TCP").containerPort).toBe(metrics as number);
		}
		const annotations = deployment.spec.template.metadata.annotations ?? {};
		expect(annotations).toMatchObject({
			"prometheus.io/scrape": "true",
			"prometheus.io/port": String(metrics),
			"prometheus.io/path": "/metrics",
		});
	});

	test("terminationGracePeriodSeconds is above the shutdown delay plus the drain timeout", () => {
		expect(podSettings.shutdownDelay).toBeGreaterThan(0);
		const grace = deployment.spec.template.spec.terminationGracePeriodSeconds;
		expect(grace).toBeGreaterThan(podSettings.shutdownDelay + podSettings.drainTimeout);
	});

	test("non-root as the image's user, with resource requests and limits", () => {
		const pod = deployment.spec.template.spec.securityContext ?? {};
		expect(pod.runAsNonRoot).toBe(true);
		expect(`${pod.runAsUser}:${pod.runAsGroup}`).toBe(argsOf(image, "USER").at(-1) as string);
		expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
		for (const kind of ["requests", "limits"] as const) {
			expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual(["cpu", "memory"]);
		}
	});
});

describe("deploy/Dockerfile", () => {
	test("both stages on the official Bun image at the repository's Bun version", () => {
		const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
		const bun = /^bun@(.+)$/.exec(root.packageManager)?.[1];
		expect(dockerfile.stages.length).toBeGreaterThan(1);
		for (const stage of dockerfile.stages) {
			expect(stage.image).toMatch(new RegExp(`^oven/bun:${bun?.replaceAll(".", "\\.")}(-slim)?$`));
		}
	});

	test("a frozen production install of @echokit/server, after every workspace's package.json and nothing else", () => {
		const deps = dockerfile.stages[0] as Stage;
		const install = argsOf(deps, "RUN").find((run) => run.startsWith("bun install"));
		expect(install?.split(" ").sort()).toEqual(
			["bun", "install", "--frozen-lockfile", "--production", "--filter", "@echokit/server"].sort(),
		);
		const copies = argsOf(deps, "COPY").flatMap((args) => args.split(" ").slice(0, -1));
		// bun.lock covers every workspace: --frozen-lockfile fails when one's manifest is missing.
		const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
		const workspaces = (root.workspaces as string[]).flatMap((pattern) => [
			...new Bun.Glob(`${pattern}/package.json`).scanSync({ cwd: ROOT }),
		]);
		expect(copies.filter((path) => path.endsWith("package.json")).sort()).toEqual(
			["package.json", ...workspaces].sort(),
		);
		expect(copies.filter((path) => !path.endsWith("package.json")).sort()).toEqual([
			"bun.lock",
			"bunfig.toml",
		]);
	});

	test("every file it copies from the context exists, and the server's workspace dependencies are among them", () => {
		const sources = dockerfile.stages.flatMap((stage) =>
			argsOf(stage, "COPY")
				.filter((args) => !args.startsWith("--from"))
				.flatMap((args) => args.split(" ").slice(0, -1)),
		);
		for (const source of sources)
			expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
		const server = JSON.parse(readFileSync(join(ROOT, "packages/server/package.json"), "utf8"));
		const local = Object.entries(server.dependencies as Record<string, string>)
			.filter(([, version]) => version.startsWith("workspace:"))
			.map(([name]) => name);
		const copiedSources = new Set(argsOf(image, "COPY").map((args) => args.split(" ")[0]));
		for (const name of local) {
			const dir = [...new Bun.Glob("{packages,plugins}/*/package.json").scanSync({ cwd: ROOT })]
				.find((file) => JSON.parse(readFileSync(join(ROOT, file), "utf8")).name === name)
				?.replace(/package\.json$/, "src");
			expect([name, copiedSources.has(dir)]).toEqual([name, true]);
		}
		expect(copiedSources.has("packages/server/src")).toBe(true);
	});

	test("non-root USER, STOPSIGNAL SIGTERM, EXPOSE the ports its ENV gives, HEALTHCHECK on /livez", () => {
		const user = argsOf(image, "USER").at(-1) ?? "root";
		expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
		expect(argsOf(image, "STOPSIGNAL")).toEqual(["SIGTERM"]);
		expect(["0.0.0.0", "::"]).toContain(imageSettings.host);
		expect(["0.0.0.0", "::"]).toContain(imageSettings.metricsHost);
		const exposed = argsOf(image, "EXPOSE")
			.flatMap((args) => args.split(" "))
			.map((port) => (port.includes("/") ? port : `${port}/tcp`).toUpperCase());
		expect(exposed.sort()).toEqual(portsOf(imageSettings));
		const check = argsOf(image, "HEALTHCHECK");
		expect(check).toHaveLength(1);
		expect(healthcheck(check[0] as string).command.join(" ")).toContain("/livez");
	});
});

describe("the image's ENTRYPOINT and HEALTHCHECK, run here with the pod's environment", () => {
	test("serve /livez, /readyz and /metrics with 200 and echo over TCP and UDP; the health check passes, and fails once the server is gone", async () => {
		const entrypoint = execForm(argsOf(image, "ENTRYPOINT").at(-1) ?? "");
		expect(entrypoint?.[0]).toBe("bun");
		// WORKDIR /app is the repository root's layout: the COPY lines keep every path.
		expect(argsOf(image, "WORKDIR").at(-1)).toBe("/app");
		// Ports 0 and loopback: the test binds nothing fixed and nothing outside this machine.
		const local = {
			ECHO_SERVER_HOST: "127.0.0.1",
			ECHO_SERVER_PORT: "0",
			ECHO_SERVER_METRICS_HOST: "127.0.0.1",
			ECHO_SERVER_METRICS_PORT: "0",
		};
		// With the variables Kubernetes would add for the Service if enableServiceLinks were on
		// (it is off in deployment.yaml): the server must start all the same.
		expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
		const server = new ServerProcess([], {
			command: entrypoint,
			env: { ...serviceLinks(service, "10.96.12.34"), ...podEnv, ...local },
		});
		const port = await server.listening();
		expect(server.lines[0]).toBe(
			`Listening on 127.0.0.1:${port}${podSettings.udp ? " (TCP+UDP)" : ""}`,
		);
		const match = await server.waitFor(/Metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
		const metricsPort = match[1] as string;
		const paths = [
			container.livenessProbe?.httpGet?.path,
			container.readinessProbe?.httpGet?.path,
			deployment.spec.template.metadata.annotations?.["prometheus.io/path"],
		];
		for (const path of paths) {
			const response = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
			expect([path, response.status]).toEqual([path, 200]);
		}
		expect(await exchange(port, "through the pod's settings")).toBe("through the pod's settings");
		const datagram = await exchangeDatagram("a datagram", { port, timeoutMs: 5000 });
		expect(datagram && new TextDecoder().decode(datagram)).toBe("a datagram");

		const { command } = healthcheck(argsOf(image, "HEALTHCHECK")[0] as string);
		const check = (env: Record<string, string>) =>
			Bun.spawn(command, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "ignore" }).exited;
		expect(await check({ ECHO_SERVER_METRICS_PORT: metricsPort })).toBe(0);
		server.kill();
		await server.proc.exited;
		expect(await check({ ECHO_SERVER_METRICS_PORT: metricsPort })).not.toBe(0);
	});
});

/**
 * The variables Kubernetes gives every container of the namespace for `svc` at cluster IP `ip`
 * (Docker-links style: Kubernetes docs, "Service" → "Discovering services"): for a Service
 * `echo-server`, ECHO_SERVER_SERVICE_HOST, ECHO_SERVER_SERVICE_PORT[_NAME], ECHO_SERVER_PORT
 * (the first port as a URL) and ECHO_SERVER_PORT_<port>_<PROTOCOL>[_PROTO|_PORT|_ADDR].
 */
function serviceLinks(svc: Service, ip: string): Record<string, string> {
	const prefix = svc.metadata.name.toUpperCase().replaceAll("-", "_");
	const [first] = svc.spec.ports;
	const url = (p: Service["spec"]["ports"][number]) =>
		`${(p.protocol ?? "TCP").toLowerCase()}://${ip}:${p.port}`;
	const links: Record<string, string> = {
		[`${prefix}_SERVICE_HOST`]: ip,
		[`${prefix}_SERVICE_PORT`]: String(first?.port),
		[`${prefix}_PORT`]: first ? url(first) : "",
	};
	for (const p of svc.spec.ports) {
		const protocol = p.protocol ?? "TCP";
		if (p.name)
			links[`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replaceAll("-", "_")}`] = String(p.port);
		const base = `${prefix}_PORT_${p.port}_${protocol}`;
		links[base] = url(p);
		links[`${base}_PROTO`] = protocol.toLowerCase();
		links[`${base}_PORT`] = String(p.port);
		links[`${base}_ADDR`] = ip;
	}
	return links;
}

/** The env values a container spec sets literally (this Deployment uses no `valueFrom`). */
function manifestEnv(c: Container): Record<string, string> {
	return Object.fromEntries((c.env ?? []).map(({ name, value }) => [name, String(value)]));
}

/** What the server runs with, given only these environment variables. */
function settingsFor(env: Record<string, string>): Settings {
	return resolveSettings({}, null, ROOT, readEnv(env));
}

/** The ports a server with these settings listens on, as `PORT/PROTOCOL`, sorted. */
function portsOf(settings: Settings): string[] {
	return [
		`${settings.port}/TCP`,
		...(settings.udp ? [`${settings.port}/UDP`] : []),
		...(settings.metricsPort === undefined ? [] : [`${settings.metricsPort}/TCP`]),
	].sort();
}
