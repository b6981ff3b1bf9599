/**
 * docs/architecture.md's layer order, checked against the imports: nothing imports upward (the
 * page's one documented exception aside), `domain` does no I/O, and no module cycle exists at run
 * time (type-only imports are erased, so only they may go around).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Each folder of src/ and its rank: a module may import its own folder and lower ranks. */
const RANK: Record<string, number> = {
  domain: 0,
  proc: 1,
  store: 2,
  git: 3,
  config: 4,
  agents: 5,
  service: 5,
  hooks: 6,
  launch: 6,
  worktree: 6,
  notify: 6,
  worker: 7,
  ops: 8,
  watch: 9,
  demo: 10,
  ui: 10,
  cli: 11,
};

/** `ui` imports the CLI's pure views and the functions that word a command's result. */
const UI_MAY_IMPORT_FROM_CLI = new Set([
  'board-view.ts',
  'fleet-json.ts',
  'fleet-text.ts',
  'history-view.ts',
  'continue.ts',
  'dispatch.ts',
  'followup.ts',
  'remove.ts',
  'stop.ts',
]);

const NO_IO_IN_DOMAIN =
  /^(node:(fs|child_process|net|http|os)|fs|child_process|execa|simple-git|chokidar|write-file-atomic)(\/|$)/;

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every static and dynamic import of every module under src/, as paths relative to the repo. */
function imports(): { relative: Import[]; bare: { from: string; spec: string }[] } {
  const relative: Import[] = [];
  const bare: { from: string; spec: string }[] = [];
  for (const file of sources('src')) {
    const text = readFileSync(file, 'utf8');
    const re = /(^|\n)\s*(import|export)(\s+type)?\b[^;]*?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;
    for (const m of text.matchAll(re)) {
      const spec = m[4] ?? m[5]!;
      const typeOnly = m[3] !== undefined;
      if (spec.startsWith('.'))
        relative.push({
          from: file,
          to: path.normalize(path.join(path.dirname(file), spec.replace(/\.js$/, '.ts'))),
          typeOnly,
        });
      else if (!typeOnly) bare.push({ from: file, spec });
    }
  }
  return { relative, bare };
}

const folderOf = (file: string): string => file.split(path.sep)[1]!;

describe('the layers of src/', () => {
  const { relative, bare } = imports();

  it('finds the modules it checks', () => {
    expect(relative.length).toBeGreaterThan(500);
    for (const f of new Set(relative.map((i) => folderOf(i.from)))) expect(RANK, f).toHaveProperty(f);
  });

  it('has no import from a higher layer', () => {
    const upward = relative
      .filter(({ from, to }) => {
        const a = folderOf(from);
        const b = folderOf(to);
        if (a === b || RANK[b]! < RANK[a]!) return false;
        return !(a === 'ui' && b === 'cli' && UI_MAY_IMPORT_FROM_CLI.has(path.basename(to)));
      })
      .map(({ from, to }) => `${from} → ${to}`);
    expect(upward).toEqual([]);
  });

  it('keeps I/O out of domain/', () => {
    const io = bare
      .filter((i) => folderOf(i.from) === 'domain' && NO_IO_IN_DOMAIN.test(i.spec))
      .map((i) => `${i.from} → ${i.spec}`);
    expect(io).toEqual([]);
  });

  it('has no module cycle at run time', () => {
    const graph = new Map<string, string[]>();
    for (const i of relative) if (!i.typeOnly) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
    // Tarjan's strongly connected components: any with more than one module is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, index.size);
      low.set(v, index.get(v)!);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });
});
