import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';

describe('writeback.destinations configuration', () => {
  it('reads destinations from READFIRST_WRITEBACK_DESTINATIONS as JSON, with defaults per type', () => {
    const c = loadConfig({
      env: {
        READFIRST_WRITEBACK_DESTINATIONS: JSON.stringify([
          { type: 'dimse', id: 'pacs', host: 'pacs.example.org', port: 104, aeTitle: 'PACS' },
          { type: 'stow-rs', id: 'archive', url: 'https://archive.example.org/dicom-web', objects: ['sr'] },
          { type: 'orthanc-priority', id: 'orthanc', url: 'http://orthanc:8042' },
        ]),
      },
    });
    expect(c.writeback.destinations).toEqual([
      {
        type: 'dimse',
        id: 'pacs',
        host: 'pacs.example.org',
        port: 104,
        aeTitle: 'PACS',
        callingAeTitle: '',
        objects: ['sr', 'kos', 'heatmap'],
      },
      { type: 'stow-rs', id: 'archive', url: 'https://archive.example.org/dicom-web', headers: {}, objects: ['sr'] },
      {
        type: 'orthanc-priority',
        id: 'orthanc',
        url: 'http://orthanc:8042',
        username: '',
        password: '',
        metadataName: 'ReadfirstUrgency',
        objects: ['urgency'],
      },
    ]);
  });

  it('refuses a duplicate id, an unknown type and a misspelt key, naming the key', () => {
    const load = (destinations: unknown[]): unknown =>
      loadConfig({ env: {}, overrides: { writeback: { destinations: destinations as never } } });
    expect(() =>
      load([
        { type: 'stow-rs', id: 'a', url: 'http://x/' },
        { type: 'stow-rs', id: 'a', url: 'http://y/' },
      ]),
    ).toThrow(/destination ids must be unique/);
    expect(() => load([{ type: 'ftp', id: 'a' }])).toThrow(/writeback\.destinations/);
    expect(() => load([{ type: 'dimse', id: 'a', host: 'h', port: 104, aetitle: 'X' }])).toThrow(/writeback\.destinations/);
  });
});
