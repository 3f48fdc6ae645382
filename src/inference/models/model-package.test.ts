import { mkdirSync, readFileSync, writeFileSync, appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTinyPackage } from '../testing/tiny-package.ts';
import { discoverPackageDirs, loadModelPackage } from './model-package.ts';

describe('model package loading', () => {
  const tiny = makeTinyPackage();

  it('loads a package whose card is valid and whose sha256 matches model.onnx', async () => {
    const pkg = await loadModelPackage(tiny.dir);
    expect(pkg.card.id).toBe('tiny-cxr');
    expect(pkg.card.findings.map((f) => f.key)).toEqual(['pneumothorax', 'effusion', 'cardiomegaly']);
    expect(pkg.card.applicability.modalities).toEqual(['CR', 'DX']);
  });

  it('refuses a package whose model.onnx does not match the card hash, saying both hashes', async () => {
    const copy = join(tiny.dir, '..', `${tiny.dir.split('/').pop() ?? 'x'}-tampered`);
    cpSync(tiny.dir, copy, { recursive: true });
    appendFileSync(join(copy, 'model.onnx'), Buffer.from([0]));
    await expect(loadModelPackage(copy)).rejects.toThrow(/refused: sha256 of model.onnx is [0-9a-f]{64}, the card says [0-9a-f]{64}/);
  });

  it('refuses an invalid card, naming each bad field', async () => {
    const bad = makeTinyPackage({
      card: (c) => {
        c.version = 'one';
        delete (c as { intendedUse?: string }).intendedUse;
      },
    });
    const err = await loadModelPackage(bad.dir).then(() => new Error('loaded'), (e: unknown) => e as Error);
    expect(err.message).toMatch(/invalid model card/);
    expect(err.message).toMatch(/version: must be semver/);
    expect(err.message).toMatch(/intendedUse: Required/);
    const dup = makeTinyPackage({ card: (c) => void (c.findings[1] = { ...c.findings[0]!, display: 'again' }) });
    await expect(loadModelPackage(dup.dir)).rejects.toThrow(/findings\.1\.index: duplicate index 0; findings\.1\.key: duplicate key pneumothorax/);
  });

  it('refuses a folder without model.onnx or with unreadable JSON', async () => {
    const dir = join(tiny.dir, 'empty');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), readFileSync(join(tiny.dir, 'model.json')));
    await expect(loadModelPackage(dir)).rejects.toThrow(/model.onnx missing/);
    writeFileSync(join(dir, 'model.json'), '{nope');
    await expect(loadModelPackage(dir)).rejects.toThrow(/cannot read model.json/);
  });

  it('discovers packages in a folder of packages and skips missing folders', async () => {
    const parent = join(tiny.dir, '..');
    const found = await discoverPackageDirs([tiny.dir, '/nonexistent/models']);
    expect(found).toEqual([tiny.dir]);
    expect((await discoverPackageDirs([parent])).length).toBeGreaterThan(0);
  });
});
