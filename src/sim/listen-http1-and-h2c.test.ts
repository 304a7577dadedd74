import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type DualProtocolListener, listenHttp1AndH2c } from './listen-http1-and-h2c.js';
import type { SimExchange } from './sim-exchange.js';

let listener: DualProtocolListener | undefined;
let connections = 0;
const held: SimExchange[] = [];

/** Answers `<version> <method> <target> <body>`, or holds the exchange open for `/hold`. */
async function start(): Promise<string> {
  connections = 0;
  listener = await listenHttp1AndH2c({
    port: 0,
    host: '127.0.0.1',
    onConnection: () => {
      connections += 1;
    },
    handle: (exchange) => {
      if (exchange.target === '/hold') {
        held.push(exchange);
        return;
      }
      exchange.readBody(1024).then((body) => {
        const text = `${exchange.httpVersion} ${exchange.method} ${exchange.target} ${body.toString()}`;
        exchange.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive' });
        exchange.end(text);
      });
    },
  });
  return `http://127.0.0.1:${listener.address.port}`;
}

afterEach(async () => {
  await listener?.close();
  listener = undefined;
  held.length = 0;
});

function http2Get(url: string, path: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(url);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': path });
    let text = '';
    let status = 0;
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    stream.on('end', () => {
      session.close();
      resolve({ status, text });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('listenHttp1AndH2c', () => {
  it('serves HTTP/1.1 and HTTP/2 with prior knowledge on one port, raw targets kept', async () => {
    const url = await start();
    const overHttp1 = await fetch(`${url}/model/a%3A0/invoke?x=1`, { method: 'POST', body: 'one' });
    expect(await overHttp1.text()).toBe('1.1 POST /model/a%3A0/invoke?x=1 one');
    // `connection` is forbidden on HTTP/2: the exchange drops it instead of failing the response.
    expect(await http2Get(url, '/model/a%3A0/converse', 'two')).toEqual({
      status: 200,
      text: '2 POST /model/a%3A0/converse two',
    });
    expect(connections).toBe(2);
  });

  it('waits for enough bytes to tell the protocols apart', async () => {
    const url = await start();
    const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
    const replies: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(chunk));
    await new Promise((resolve) => socket.once('connect', resolve));
    // `P` alone could begin `POST` as well as the HTTP/2 preface; the gap keeps it its own segment.
    socket.write('P');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const emptySettingsFrame = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    socket.write(Buffer.concat([Buffer.from('RI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), emptySettingsFrame]));
    await new Promise((resolve) => socket.once('data', resolve));
    const reply = Buffer.concat(replies);
    // An HTTP/2 server opens with its SETTINGS frame (type 4); an HTTP/1.1 one would answer `HTTP/1.1 400`.
    expect(reply.subarray(0, 4).toString('latin1')).not.toBe('HTTP');
    expect(reply[3]).toBe(4);
    socket.destroy();
  });

  it('closes open HTTP/2 sessions and HTTP/1.1 connections on close', async () => {
    const url = await start();
    const session = connectHttp2(url);
    session.on('error', () => {});
    const stream = session.request({ ':method': 'GET', ':path': '/hold' });
    stream.on('error', () => {});
    stream.end();
    const pending = fetch(`${url}/hold`).catch((error: unknown) => error);
    await new Promise<void>((resolve) => {
      const check = () => (held.length === 2 ? resolve() : setTimeout(check, 5));
      check();
    });
    const sessionClosed = new Promise((resolve) => session.once('close', resolve));
    await listener?.close();
    listener = undefined;
    await sessionClosed;
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it('resets one HTTP/2 stream without answering', async () => {
    const url = await start();
    const session = connectHttp2(url);
    const stream = session.request({ ':method': 'GET', ':path': '/hold' });
    stream.end();
    const closed = new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode)));
    stream.on('error', () => {});
    await new Promise<void>((resolve) => {
      const check = () => (held.length === 1 ? resolve() : setTimeout(check, 5));
      check();
    });
    held[0]?.reset();
    expect(await closed).toBe(2); // NGHTTP2_INTERNAL_ERROR
    expect(session.closed).toBe(false);
    session.close();
  });
});
