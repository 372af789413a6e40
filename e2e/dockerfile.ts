/** What e2e/bundle.test.ts needs to know of the Dockerfile, read from it so that the image cannot drift from the test. */
export interface DockerfileFacts {
  /** The build stage's `RUN pnpm bundle <folder>`, as words. */
  bundleCommand: string[];
  build: { workdir: string };
  runtime: {
    from: string;
    /** The source of the runtime stage's `COPY --from=build <source> ...`, without a trailing slash. */
    copyFrom: string;
    user: string;
    env: Record<string, string>;
    /** CMD in exec form. */
    cmd: string[];
    healthcheck: string;
  };
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Reads the two stages (the first is the build, the last the runtime); throws when an expected instruction is missing. */
export function readDockerfile(text: string): DockerfileFacts {
  const stages: Instruction[][] = [];
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword!.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword: keyword!.toUpperCase(), args: args!.trim() });
  }
  if (stages.length < 2) throw new Error('The Dockerfile should have a build stage and a runtime stage.');
  const [build, runtime] = [stages[0]!, stages.at(-1)!];
  const one = (stage: Instruction[], keyword: string, match: (args: string) => boolean = () => true): string => {
    const found = stage.filter((i) => i.keyword === keyword && match(i.args)).map((i) => i.args);
    if (found.length === 0) throw new Error(`The Dockerfile has no ${keyword} where expected.`);
    return found.at(-1)!;
  };

  const bundleRuns = build.filter((i) => i.keyword === 'RUN' && /\bbundle\b/.test(i.args));
  if (bundleRuns.length !== 1) throw new Error('The build stage should run the bundle script exactly once.');
  const bundleCommand = bundleRuns[0]!.args.split(/\s+/);
  const copy = one(runtime, 'COPY', (args) => args.startsWith('--from=')).split(/\s+/);
  const env: Record<string, string> = {};
  for (const args of runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args))
    for (const [, name, value] of args.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
  const exec = (args: string): string[] => JSON.parse(args.replace(/^CMD\s+/, ''));

  return {
    bundleCommand,
    build: { workdir: one(build, 'WORKDIR') },
    runtime: {
      from: one(runtime, 'FROM').split(/\s+/)[0]!,
      copyFrom: copy.slice(1, -1).join(' ').replace(/\/$/, ''),
      user: runtime.some((i) => i.keyword === 'USER') ? one(runtime, 'USER') : '',
      env,
      cmd: exec(one(runtime, 'CMD')),
      healthcheck: one(runtime, 'HEALTHCHECK'),
    },
  };
}
