// Which way imports may point (docs/architecture.md, "Layout"). `npm test` runs these rules
// over the repository (test/architecture/dependencies.test.ts) and plants a violation of each.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle means two modules cannot be read, tested or loaded one without the other.',
      from: { path: '^(lambda|lib|dev|web)/' },
      to: { circular: true },
    },
    {
      name: 'shared-never-imports-a-profile',
      severity: 'error',
      comment: 'Steps and platform serve every profile, so they cannot know any one of them.',
      from: { path: '^lambda/(steps|platform)/' },
      to: { path: '^lambda/profiles/' },
    },
    {
      name: 'platform-never-imports-steps',
      severity: 'error',
      comment: 'Platform pieces (config parts, errors, HTTP, secrets) sit below the visitor steps.',
      from: { path: '^lambda/platform/' },
      to: { path: '^lambda/(steps/|config\\.ts$|index\\.ts$)' },
    },
    {
      name: 'profiles-never-import-each-other',
      severity: 'error',
      comment: 'What two profiles share belongs in steps/ or platform/.',
      from: { path: '^lambda/profiles/([^/]+)/' },
      to: { path: '^lambda/profiles/', pathNot: '^lambda/profiles/$1/' },
    },
    {
      name: 'only-the-entry-point-picks-a-profile',
      severity: 'error',
      comment:
        'lambda/index.ts (and config.ts, which parses each profile its settings) choose the ' +
        'profile; nothing else in lambda/ may reach into one.',
      from: { path: '^lambda/', pathNot: '^lambda/(index\\.ts|config\\.ts|profiles/)' },
      to: { path: '^lambda/profiles/' },
    },
    {
      name: 'lambda-stands-alone',
      severity: 'error',
      comment:
        'The deployed bundle holds lambda/ only: no local server, stack, bench or test code.',
      from: { path: '^lambda/' },
      to: { path: '^(dev|lib|bench|test|bin)/' },
    },
    {
      name: 'web-stands-alone',
      severity: 'error',
      comment: 'The browser modules are served as they are: they may import only each other.',
      from: { path: '^web/' },
      to: { pathNot: '^web/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
