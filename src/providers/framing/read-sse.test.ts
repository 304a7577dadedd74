import { describe, expect, it } from 'vitest';
import { readSseMessages } from './read-sse.js';

async function* pieces(...chunks: Array<string | Buffer>): AsyncGenerator<string | Buffer> {
  for (const chunk of chunks) yield chunk;
}

async function read(body: AsyncIterable<string | Buffer>) {
  const messages = [];
  for await (const message of readSseMessages(body)) messages.push(message);
  return messages;
}

describe('readSseMessages', () => {
  it('names the event only when the message has one', async () => {
    expect(await read(pieces('data: a\n\nevent: ping\ndata: b\n\n'))).toStrictEqual([
      { data: 'a' },
      { event: 'ping', data: 'b' },
    ]);
  });

  it('joins messages split across chunks, and a character split across buffers', async () => {
    const euro = Buffer.from('data: €\n\n');
    expect(await read(pieces('da', 'ta: x\n', '\n', euro.subarray(0, 7), euro.subarray(7)))).toStrictEqual([
      { data: 'x' },
      { data: '€' },
    ]);
  });
});
