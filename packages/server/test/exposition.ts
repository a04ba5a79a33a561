/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for the metrics
 * tests: every line must be a `# HELP`, a `# TYPE` or a sample of a family whose TYPE came
 * first; anything else throws with the line. Not a test file itself.
 */

/** One family: its type, help and samples keyed `name{label="value",…}` (labels sorted). */
export interface Family {
	type: string;
	help: string;
	samples: Map<string, number>;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
/**
 * NaN and infinities, in any case, as Prometheus reads them (Go's `strconv.ParseFloat`):
 * prom-client writes NaN as `Nan` (a mean of no samples yet).
 */
const SPECIAL = "[Nn][Aa][Nn]|[+-]?[Ii][Nn][Ff]";
const SAMPLE = new RegExp(
	`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (-?[0-9]+(?:\\.[0-9]+)?(?:e[+-]?[0-9]+)?|${SPECIAL})$`,
);
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** Parses `text` into families by name; throws on the first line that is not valid. */
export function parseExposition(text: string): Map<string, Family> {
	const families = new Map<string, Family>();
	if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
	for (const line of text.split("\n")) {
		if (line === "") continue;
		const help = line.match(new RegExp(`^# HELP (${NAME}) (.*)$`));
		if (help) {
			family(families, help[1] as string).help = help[2] as string;
			continue;
		}
		const type = line.match(new RegExp(`^# TYPE (${NAME}) (\\w+)$`));
		if (type) {
			if (!TYPES.has(type[2] as string)) throw new Error(`unknown type: ${line}`);
			family(families, type[1] as string).type = type[2] as string;
			continue;
		}
		const sample = line.match(SAMPLE);
		if (!sample) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`);
		const [, name, labels = "", value] = sample as unknown as [string, string, string, string];
		const owner = ownerOf(families, name);
		if (!owner) throw new Error(`sample before its # TYPE line: ${line}`);
		const sorted =
			labels === ""
				? ""
				: `{${labels
						.split(/,(?=[a-zA-Z_])/)
						.sort()
						.join(",")}}`;
		owner.samples.set(`${name}${sorted}`, Number(value));
	}
	return families;
}

/** The family a sample belongs to: its own name, or a histogram's `_bucket`/`_sum`/`_count`. */
function ownerOf(families: Map<string, Family>, name: string): Family | undefined {
	const own = families.get(name);
	if (own?.type) return own;
	const base = name.replace(/_(bucket|sum|count)$/, "");
	const histogram = families.get(base);
	return histogram?.type === "histogram" || histogram?.type === "summary" ? histogram : undefined;
}

function family(families: Map<string, Family>, name: string): Family {
	let found = families.get(name);
	if (!found) {
		found = { type: "", help: "", samples: new Map() };
		families.set(name, found);
	}
	return found;
}

/** The value of sample `key` (e.g. `echokit_messages_total{transport="tcp"}`) in `families`. */
export function sample(families: Map<string, Family>, key: string): number | undefined {
	for (const family of families.values()) {
		const value = family.samples.get(key);
		if (value !== undefined) return value;
	}
	return undefined;
}
