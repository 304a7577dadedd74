/**
 * The benchmark's upstream: an OpenAI-compatible server that answers at once with fixed bytes, so
 * the system under test, not the upstream, is what the numbers measure. Non-streaming answers are
 * ~500 bytes; streams send `STREAM_CHUNKS` chunks back to back, or — for the model `slow` — one
 * chunk every `SLOW_INTERVAL_MS` (1000), `SLOW_CHUNKS` (30) of them (to hold many streams open for the
 * memory measurement).
 * Usage: `tsx bench/fixed-upstream.ts PORT [PORT...]` (one listener per port, same answers: each port is
 * an origin of its own for a client's connection pool).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const ports = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [0];
const CHUNKS = Number(process.env.STREAM_CHUNKS ?? 50);
const SLOW_CHUNKS = Number(process.env.SLOW_CHUNKS ?? 30);
const SLOW_INTERVAL_MS = Number(process.env.SLOW_INTERVAL_MS ?? 1_000);

const completion = JSON.stringify({
  id: 'chatcmpl-bench0000000000000000000000',
  object: 'chat.completion',
  created: 1_790_000_000,
  model: 'bench-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content:
          'This is a fixed answer from the benchmark upstream. It is long enough that the whole response body comes to about five hundred bytes, like a short real completion.',
        refusal: null,
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 },
  system_fingerprint: 'fp_bench',
});

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_790_000_000,
    model: 'bench-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
}

const FIRST = chunk({ role: 'assistant', content: '' });
const TOKEN = chunk({ content: ' token' });
const LAST = `${chunk({}, 'stop')}data: ${JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_790_000_000,
  model: 'bench-model',
  choices: [],
  usage: { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS },
})}\n\ndata: [DONE]\n\n`;
const WHOLE_STREAM = FIRST + TOKEN.repeat(CHUNKS) + LAST;

function answer(request: IncomingMessage, response: ServerResponse): void {
  const parts: Buffer[] = [];
  request.on('data', (part: Buffer) => parts.push(part));
  request.on('end', () => {
    const body = Buffer.concat(parts).toString();
    const stream = body.includes('"stream":true');
    if (!stream) {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(completion),
      });
      response.end(completion);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (!body.includes('"model":"slow"')) {
      // Chunk by chunk, as a host sends them, without waiting between them.
      response.write(FIRST);
      for (let index = 0; index < CHUNKS; index += 1) response.write(TOKEN);
      response.end(LAST);
      return;
    }
    response.write(FIRST);
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= SLOW_CHUNKS || response.destroyed) {
        clearInterval(timer);
        if (!response.destroyed) response.end(LAST);
        return;
      }
      sent += 1;
      response.write(TOKEN);
    }, SLOW_INTERVAL_MS);
    response.on('close', () => clearInterval(timer));
  });
}

for (const port of ports) {
  const server = createServer(answer);
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `listening ${typeof address === 'object' && address !== null ? address.port : port}\n`,
    );
  });
}

export { WHOLE_STREAM };
