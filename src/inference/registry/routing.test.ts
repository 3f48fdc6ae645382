import { describe, expect, it } from 'vitest';
import { modelCardSchema } from '../models/model-card.ts';
import type { ModelPackage } from '../models/model-package.ts';
import { tinyCard } from '../testing/tiny-package.ts';
import { ModelRegistry } from './model-registry.ts';
import type { SeriesFacts } from './routing.ts';

const pkg = (id: string, modalities: string[], extra: Record<string, unknown> = {}): ModelPackage => {
  const c = tinyCard(32, 'a'.repeat(64), [0]);
  c.id = id;
  c.applicability = { ...c.applicability, modalities, ...extra };
  return { dir: `/m/${id}`, onnxPath: `/m/${id}/model.onnx`, card: modelCardSchema.parse(c) };
};

const chest: SeriesFacts = {
  modality: 'DX',
  bodyPart: 'CHEST',
  viewPosition: 'PA',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
  imageType: ['ORIGINAL', 'PRIMARY'],
};

describe('model registry routing', () => {
  const registry = new ModelRegistry(
    [pkg('cxr', ['CR', 'DX']), pkg('cxr-next', ['DX']), pkg('ct-head', ['CT'], { bodyParts: ['HEAD'] })],
    ['cxr-next'],
  );

  it('routes a DX chest to the live model first, then the shadow one', () => {
    expect(registry.route(chest).map((m) => [m.pkg.card.id, m.shadow])).toEqual([
      ['cxr', false],
      ['cxr-next', true],
    ]);
  });

  it('routes on SOP class: DX for-processing and unknown SOP classes are not read; secondary capture is', () => {
    expect(registry.route({ ...chest, sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1.1' })).toEqual([]);
    expect(registry.route({ ...chest, modality: 'CR', sopClassUid: '1.2.840.10008.5.1.4.1.1.7' }).map((m) => m.pkg.card.id)).toEqual([
      'cxr',
    ]);
  });

  it('routes on image type (a localizer is not read) and modality (MR has no model)', () => {
    expect(registry.route({ ...chest, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] })).toEqual([]);
    expect(registry.route({ ...chest, modality: 'MR', sopClassUid: '1.2.840.10008.5.1.4.1.1.4' })).toEqual([]);
  });

  it('leaves body part and view to the gate for a card rule, so a lateral is still routed (then refused with a reason)', () => {
    expect(registry.route({ ...chest, viewPosition: 'LL', bodyPart: 'KNEE' }).map((m) => m.pkg.card.id)).toEqual(['cxr', 'cxr-next']);
  });

  it('honours explicit rules on body part and view', () => {
    const r = new ModelRegistry(
      [pkg('ct-head', ['CT'])],
      [],
      [{ modelId: 'ct-head', modalities: ['CT'], sopClassUids: null, excludeImageTypes: [], bodyParts: ['HEAD'], viewPositions: null }],
    );
    const ct: SeriesFacts = {
      modality: 'CT',
      bodyPart: 'HEAD',
      viewPosition: null,
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    };
    expect(r.route(ct)).toHaveLength(1);
    expect(r.route({ ...ct, bodyPart: 'ABDOMEN' })).toEqual([]);
  });

  it('refuses two packages with the same id', () => {
    expect(() => new ModelRegistry([pkg('cxr', ['DX']), pkg('cxr', ['CR'])])).toThrow(/two model packages have id cxr/);
  });
});
