import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';

const xmp = (rating: number) => `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="${rating}"/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;

describe('a sidecar changed by another tool while the lighttable is open', () => {
  it('is read again when its image is shown, and its rating replaces the library’s', async () => {
    const { root, library } = await makeCollection(40);
    const h = await makeStore(library, root, { columns: 120, rows: 40 });
    await h.store.run('collection.sort');
    const app = renderApp(h.store, 120, 40);
    try {
      await app.waitForImages();
      const perPage = h.store.getSnapshot().layout.slots.length;
      const target = library.page({ sort: 'name' }, perPage + 1, 1)[0]!;
      expect(target.rating).toBe(0);
      // darktable (or exiftool) rates it while termtable is open.
      await writeFile(`${target.path}.xmp`, xmp(4));
      await app.press('\x1b[6~');
      await app.waitFor(() => library.get(target.id)!.rating === 4, 'rating read from the sidecar');
      await app.waitFor(() => [...h.store.getSnapshot().records.values()].some((r) => r.id === target.id && r.rating === 4), 'shown');
    } finally {
      app.unmount();
      await h.close();
      library.close();
      await removeDir(root);
    }
  });
});
