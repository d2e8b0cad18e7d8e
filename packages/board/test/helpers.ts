// Starts the real `dialer board` (the built CLI) for a test: Bull Board's fastify stack loads an ESM-only
// dependency through require(), which Node 20 does but Jest's module runtime does not.
import { spawnCli, type CliProcess } from '@dialer/test-utils';

export const BOARD_USER = 'ops';
export const BOARD_PASSWORD = 'board-test-password';
export const AUTH_HEADER = `Basic ${Buffer.from(`${BOARD_USER}:${BOARD_PASSWORD}`).toString('base64')}`;

export interface BoardProcess {
  url: string;
  process: CliProcess;
  close(): Promise<void>;
}

export async function startBoard(env: NodeJS.ProcessEnv): Promise<BoardProcess> {
  const proc = spawnCli(['board'], {
    BOARD_USER,
    BOARD_PASSWORD,
    ...env,
    BOARD_HOST: '127.0.0.1',
    BOARD_PORT: '0',
    LOG_LEVEL: 'info',
  });
  const [, url] = await proc.waitForOutput(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/, 20_000);
  return {
    url: url as string,
    process: proc,
    close: async () => void (await proc.stop()),
  };
}
