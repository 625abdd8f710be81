// Structured JSON logs (pino, as Fastify uses), every line carrying the node id.
import { pino, type Logger } from 'pino';

export function createNodeLogger(nodeId: string, options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.TALLYMESH_LOG_LEVEL ?? 'info';
  return options.destination ? pino({ level, base: { nodeId } }, options.destination) : pino({ level, base: { nodeId } });
}
