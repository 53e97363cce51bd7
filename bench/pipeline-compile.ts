// Benchmark: validate + compile time of large, real-size CircleCI configs (generated here), and the
// ratio to a plain `yaml` parse of the same text. Prints a JSON report; asserts nothing.
// Run: node --import tsx bench/pipeline-compile.ts
import { compile, processConfig, validateConfig } from "@citadel/pipeline";
import { parse } from "yaml";

/** A monorepo-style config: shared executors and commands, `services` × (build, test, deploy), a matrix. */
function generateConfig(services: number): string {
  const lines: string[] = [
    "version: 2.1",
    "parameters:",
    "  deploy:",
    "    type: boolean",
    "    default: true",
    "executors:",
    "  node:",
    "    parameters:",
    "      tag: { type: string, default: '20.11' }",
    "    docker:",
    "      - image: cimg/node:<< parameters.tag >>",
    "      - image: cimg/postgres:16.1",
    "        environment: { POSTGRES_USER: circleci }",
    "    resource_class: medium",
    "commands:",
    "  install:",
    "    parameters:",
    "      dir: { type: string }",
    "    steps:",
    "      - restore_cache:",
    "          keys:",
    '            - deps-{{ .Branch }}-{{ checksum "<< parameters.dir >>/package-lock.json" }}',
    "            - deps-",
    "      - run:",
    "          name: Install << parameters.dir >>",
    "          command: cd << parameters.dir >> && npm ci",
    "      - save_cache:",
    '          key: deps-{{ .Branch }}-{{ checksum "<< parameters.dir >>/package-lock.json" }}',
    "          paths: [<< parameters.dir >>/node_modules]",
    "  report:",
    "    steps:",
    "      - store_test_results: { path: reports }",
    "      - store_artifacts: { path: reports }",
    "jobs:",
  ];
  for (let i = 0; i < services; i++) {
    const s = `svc${i}`;
    lines.push(
      `  build-${s}:`,
      "    executor: node",
      "    steps:",
      "      - checkout",
      `      - install: { dir: services/${s} }`,
      `      - run: cd services/${s} && npm run build`,
      `      - persist_to_workspace: { root: ., paths: [services/${s}/dist] }`,
      `  test-${s}:`,
      "    parameters:",
      "      shard: { type: integer, default: 1 }",
      "    executor: { name: node, tag: '22.1' }",
      "    parallelism: 4",
      "    steps:",
      "      - checkout",
      "      - attach_workspace: { at: . }",
      `      - install: { dir: services/${s} }`,
      `      - run: cd services/${s} && npm test -- --shard=<< parameters.shard >>`,
      "      - report",
      `  deploy-${s}:`,
      "    executor: node",
      "    steps:",
      "      - attach_workspace: { at: . }",
      "      - when:",
      "          condition: << pipeline.parameters.deploy >>",
      "          steps:",
      `            - run: ./deploy.sh ${s}`,
    );
  }
  lines.push(
    "  e2e:",
    "    parameters:",
    "      browser: { type: string }",
    "      node: { type: string }",
    "    executor: { name: node, tag: << parameters.node >> }",
    "    steps:",
    "      - checkout",
    "      - run: npx playwright test --browser << parameters.browser >>",
    "workflows:",
    "  main:",
    "    jobs:",
  );
  for (let i = 0; i < services; i++) {
    const s = `svc${i}`;
    lines.push(
      `      - build-${s}`,
      `      - test-${s}:`,
      `          requires: [build-${s}]`,
      "          matrix:",
      `            alias: test-${s}-all`,
      "            parameters:",
      "              shard: [1, 2]",
      `      - deploy-${s}:`,
      `          requires: [test-${s}-all]`,
      "          context: [deploy]",
      "          filters:",
      "            branches: { only: [main, /release\\/.*/] }",
    );
  }
  lines.push(
    "      - e2e:",
    "          requires: [build-svc0]",
    "          matrix:",
    "            parameters:",
    "              browser: [chromium, firefox, webkit]",
    "              node: ['20.11', '22.1']",
    "            exclude:",
    "              - { browser: webkit, node: '20.11' }",
  );
  return `${lines.join("\n")}\n`;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(runs: number, fn: () => unknown): number {
  fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return Math.round(median(samples) * 100) / 100;
}

const report = [25, 100].map((services) => {
  const text = generateConfig(services);
  const compiled = compile(text, { branch: "main", revision: "abc" });
  if (!compiled.ok) throw new Error(`generated config is invalid: ${compiled.errors[0]?.message}`);
  const runs = services > 50 ? 7 : 15;
  const yamlParseMs = time(runs, () => parse(text));
  const validateMs = time(runs, () => validateConfig(text));
  const compileMs = time(runs, () => compile(text, { branch: "main", revision: "abc" }));
  const processMs = time(runs, () => processConfig(text));
  return {
    config: `monorepo-${services}-services`,
    bytes: Buffer.byteLength(text),
    lines: text.split("\n").length,
    jobDefinitions: services * 3 + 1,
    workflowJobs: compiled.value.workflows.reduce((n, w) => n + w.jobs.length, 0),
    steps: compiled.value.workflows.reduce((n, w) => n + w.jobs.reduce((m, j) => m + j.steps.length, 0), 0),
    runs,
    yamlParseMs,
    validateMs,
    compileMs,
    processMs,
    validateToYamlParse: Math.round((validateMs / yamlParseMs) * 10) / 10,
    compileToYamlParse: Math.round((compileMs / yamlParseMs) * 10) / 10,
  };
});

console.log(JSON.stringify({ benchmark: "pipeline-compile", node: process.version, results: report }, null, 2));
