import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend, ModelFileError } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadModel } from '../src/index.js';
import { tinyData, tinyNet } from './helpers/tinyNet.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-transfer-load-'));
let server: Server;
let port = 0;

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  // Serves the saved folder over HTTP, as a model host would; anything else is a 404.
  server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (!readdirSync(dir).includes(name)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200).end(readFileSync(join(dir, name)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadModel', () => {
  test('reads a folder (file://), a URL and artifacts in memory, predicting as the saved model', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData(4);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    await model.save(`file://${dir}`);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const before = tf.memory().numTensors;
    for (const source of [`file://${dir}`, `http://127.0.0.1:${port}/model.json`, artifacts as tf.io.ModelArtifacts]) {
      const loaded = await loadModel(source);
      const got = tf.tidy(() => (loaded.predict(x) as tf.Tensor).dataSync());
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      loaded.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('a failing URL, a missing folder and a browser-only scheme are ModelFileErrors naming the source', async () => {
    const missing = `http://127.0.0.1:${port}/nothing/model.json`;
    await expect(loadModel(missing)).rejects.toThrow(ModelFileError);
    await expect(loadModel(missing)).rejects.toThrow(missing);
    // A port nobody listens on: the connection fails.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(loadModel(`http://127.0.0.1:${free}/model.json`)).rejects.toThrow(ModelFileError);
    await expect(loadModel(`file://${join(dir, 'none')}`)).rejects.toThrow(ModelFileError);
    await expect(loadModel('indexeddb://digits')).rejects.toThrow(/browsers only/);
  });

  test('a source of no accepted kind is an InputError', async () => {
    await expect(loadModel('models/digits')).rejects.toThrow(InputError);
    await expect(loadModel('models/digits')).rejects.toThrow('loadModel: source');
    await expect(loadModel(42 as unknown as string)).rejects.toThrow(InputError);
  });
});
