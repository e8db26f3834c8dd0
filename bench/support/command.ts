import { spawn } from 'node:child_process';

/**
 * Runs a command of the machine's own (pgbench, wrk) to its end and resolves with what it printed,
 * stdout and stderr together; rejects on a non-zero exit, or kills it after `limitSeconds`.
 */
export function runCommand(command: string, args: string[], cwd: string, limitSeconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const watchdog = setTimeout(() => child.kill('SIGTERM'), limitSeconds * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} exited with ${code}: ${output.slice(-2000)}`));
    });
  });
}
