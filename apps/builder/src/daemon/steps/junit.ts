import type { TestCase } from "@citadel/protocol";
import { XMLParser } from "fast-xml-parser";

const REPEATED = new Set(["testsuites", "testsuite", "testcase", "failure", "error", "skipped"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  textNodeName: "#text",
  // Entities stay as written: no expansion, so no entity bombs.
  processEntities: false,
  isArray: (name) => REPEATED.has(name),
});

type Node = Record<string, unknown>;

/** Test cases of a JUnit XML report (nested suites included), untruncated; throws on XML that does not parse. */
export function parseJUnit(xml: string, file: string): TestCase[] {
  const document = parser.parse(xml, true) as Node;
  const cases: TestCase[] = [];
  const visit = (node: Node, suiteFile: string | null) => {
    for (const suite of asNodes(node.testsuites)) visit(suite, suiteFile);
    for (const suite of asNodes(node.testsuite)) visit(suite, text(suite.file) ?? suiteFile);
    for (const testcase of asNodes(node.testcase)) cases.push(toTestCase(testcase, suiteFile ?? file));
  };
  visit(document, null);
  return cases;
}

function toTestCase(node: Node, file: string): TestCase {
  const failure = asNodes(node.failure)[0];
  const error = asNodes(node.error)[0];
  const skipped = node.skipped !== undefined;
  const problem = failure ?? error;
  const seconds = Number(node.time);
  return {
    name: text(node.name) ?? "",
    classname: text(node.classname) ?? "",
    file: text(node.file) ?? file,
    result: failure ? "failure" : error ? "error" : skipped ? "skipped" : "success",
    message: problem ? messageOf(problem) : null,
    runTimeMs: Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null,
  };
}

function messageOf(node: Node): string {
  const parts = [text(node.message), text(node["#text"])].filter((p): p is string => Boolean(p));
  return parts.join("\n");
}

function asNodes(value: unknown): Node[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (typeof v === "object" && v !== null ? (v as Node) : {}));
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}
