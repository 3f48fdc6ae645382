import { connect, type Socket } from 'node:net';

/**
 * A minimal SMTP client (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT) over plain TCP, for a relay on
 * the hospital network. No TLS or AUTH: point it at a local relay that handles those.
 */
export interface SmtpMessage {
  host: string;
  port: number;
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  /** Message-ID: the delivery id, so a resend is recognisable. */
  messageId: string;
  date: Date;
}

class Replies {
  private buffer = '';
  private waiting: Array<(line: string) => void> = [];
  private lines: string[] = [];
  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        // Multi-line replies use "250-"; the last line has a space after the code.
        if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
          const w = this.waiting.shift();
          if (w) w(line);
          else this.lines.push(line);
        }
      }
    });
  }
  next(): Promise<string> {
    const l = this.lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => this.waiting.push(r));
  }
}

const address = (s: string): string => s.replace(/[<>\r\n]/g, '');
const header = (s: string): string => s.replace(/[\r\n]+/g, ' ');

export async function sendMail(m: SmtpMessage, timeoutMs = 15_000): Promise<void> {
  const socket = connect({ host: m.host, port: m.port });
  socket.setTimeout(timeoutMs);
  const failed = new Promise<never>((_, reject) => {
    socket.once('error', reject);
    socket.once('timeout', () => reject(new Error('SMTP timeout')));
  });
  failed.catch(() => undefined);
  const replies = new Replies(socket);
  const expect = async (code: string, send?: string): Promise<void> => {
    if (send !== undefined) socket.write(`${send}\r\n`);
    const line = await Promise.race([replies.next(), failed]);
    if (!line.startsWith(code)) throw new Error(`SMTP: expected ${code} after ${send?.split(' ')[0] ?? 'connect'}, got "${line}"`);
  };
  try {
    await expect('220');
    await expect('250', 'EHLO readfirst');
    await expect('250', `MAIL FROM:<${address(m.from)}>`);
    for (const to of m.to) await expect('250', `RCPT TO:<${address(to)}>`);
    await expect('354', 'DATA');
    const body = m.text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    const headers = [
      `From: <${address(m.from)}>`,
      `To: ${m.to.map((t) => `<${address(t)}>`).join(', ')}`,
      `Subject: ${header(m.subject)}`,
      `Date: ${m.date.toUTCString()}`,
      `Message-ID: <${address(m.messageId)}@readfirst>`,
      'Content-Type: text/plain; charset=utf-8',
    ];
    await expect('250', `${headers.join('\r\n')}\r\n\r\n${body}\r\n.`);
    await expect('221', 'QUIT');
  } finally {
    socket.destroy();
  }
}
