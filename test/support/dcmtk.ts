import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a dcmtk tool with TCP_NODELAY=1 (STACK-NOTES: without it each C-STORE waits ~40 ms). */
export function runDcmtk(tool: string, args: string[], timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, TCP_NODELAY: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** SOP instance UIDs storescu -v reported as acknowledged ("Received Store Response (Success)"). */
export function acknowledgedCount(output: string): number {
  return output.split('\n').filter((l) => l.includes('Received Store Response (Success)')).length;
}
