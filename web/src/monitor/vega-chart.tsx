import { useEffect, useRef } from 'preact/hooks';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One Vega-Lite plot, drawn as SVG by vega (the same specs the server renders into the HTML report). */
export function VegaChart({ spec, title }: { spec: Record<string, unknown>; title: string }): preact.JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return undefined;
    const view = new View(parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'svg', container: ref.current, hover: true });
    void view.runAsync();
    return () => view.finalize();
  }, [spec]);
  return (
    <figure class="mon-chart">
      <figcaption>{title}</figcaption>
      <div ref={ref} />
    </figure>
  );
}
