import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  keyOf: (item: T) => string;
  renderRow: (item: T, index: number) => ComponentChildren;
  /** Index to keep in view (the keyboard cursor). */
  activeIndex?: number;
  label: string;
  /** The column header row, kept at the top of the grid (row 1). */
  header?: ComponentChildren;
}

const OVERSCAN = 8;

/**
 * A windowed list: only the rows in view (plus a few) are in the DOM, absolutely positioned in
 * a spacer as tall as the whole list, so 10,000 rows scroll as smoothly as 20.
 */
export function VirtualList<T>({ items, rowHeight, keyOf, renderRow, activeIndex, label, header }: Props<T>): preact.JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || activeIndex === undefined || activeIndex < 0) return;
    const top = activeIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [activeIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i] as T;
    rows.push(
      <div
        key={keyOf(item)}
        class="vrow"
        role="presentation"
        style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}
      >
        {renderRow(item, i)}
      </div>,
    );
  }
  return (
    <div class="vgrid" role="grid" aria-label={label} aria-rowcount={items.length + (header ? 1 : 0)}>
      {header && <div role="rowgroup">{header}</div>}
      <div ref={box} class="vlist" role="rowgroup" onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div class="vspacer" role="presentation" style={{ height: `${items.length * rowHeight}px` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
