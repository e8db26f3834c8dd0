import { tokenCommand } from './token-command.js';

// `npm run token -- --user <id>` or `-- --admin` [--ttl 1h]: see token-command.ts.
const outcome = await tokenCommand(process.argv.slice(2), process.env);
process.stdout.write(outcome.stdout);
process.stderr.write(outcome.stderr);
process.exitCode = outcome.exitCode;
