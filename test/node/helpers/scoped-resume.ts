/**
 * What a socket of some projects is told when it resumes from a position: its session frame's
 * number and `resumed`, and the numbers of the events replayed to it. Tests compare it with and
 * without other projects' traffic: it must be the same.
 */
import { connect } from './raw-client.js';

export interface ResumeAnswer {
  since: number;
  path: string;
  seq: number;
  resumed: boolean;
  replayed: number[];
  /** The close code when the socket was closed instead. */
  closed?: number;
}

/**
 * Resumes from each position in turn, on `/ws` and on `/progress/subscribe/{projectId}`, and
 * records the answers; `base` is the server's ws://host:port.
 */
export async function resumeAnswers(base: string, token: string, epoch: string, projectId: string, sinces: number[]): Promise<ResumeAnswer[]> {
  const answers: ResumeAnswer[] = [];
  for (const path of ['/ws', `/progress/subscribe/${projectId}`]) {
    for (const since of sinces) {
      const client = await connect(`${base}${path}?token=${token}&resume=1&epoch=${epoch}&since=${since}`);
      client.ws.on('error', () => {});
      try {
        const session = await Promise.race([client.next((f) => f?.type === 'session'), client.closed.then((c) => ({ closed: c.code }))]);
        if ('closed' in session) {
          answers.push({ since, path, seq: 0, resumed: false, replayed: [], closed: session.closed });
          continue;
        }
        // The pong comes after everything the session sent: the replay is complete then.
        client.send(JSON.stringify({ type: 'ping' }));
        await client.next((f) => f?.type === 'pong');
        const replayed = client.frames.flatMap((f) => (Array.isArray(f) ? f : [f])).filter((f: any) => typeof f?.seq === 'number' && f.type !== 'session').map((f: any) => f.seq as number);
        answers.push({ since, path, seq: session.seq, resumed: session.resumed, replayed });
      } finally {
        client.terminate();
      }
    }
  }
  return answers;
}
