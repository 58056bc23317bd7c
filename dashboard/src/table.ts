// A sortable, paginated table over any API list.
import { h } from './dom.ts';

export interface Column<T> {
  readonly label: string;
  /** API sort name; sortable when set. */
  readonly sort?: string;
  readonly num?: boolean;
  readonly cell: (row: T) => Node | string;
}

export interface SortState {
  sort: string;
  order: 'asc' | 'desc';
  page: number;
  limit: number;
}

export function renderTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  state: SortState,
  onChange: () => void,
  options: { readonly empty?: string; readonly rowAttrs?: (row: T) => Record<string, string> } = {},
): HTMLTableElement {
  const head = h(
    'tr',
    {},
    ...columns.map((c) => {
      const sorted = c.sort !== undefined && c.sort === state.sort;
      const cls = [
        c.num ? 'num' : '',
        c.sort ? 'sortable' : '',
        sorted ? 'sorted' : '',
        sorted && state.order === 'asc' ? 'asc' : '',
      ]
        .filter(Boolean)
        .join(' ');
      return h(
        'th',
        {
          class: cls,
          'data-sort': c.sort,
          title: c.sort ? 'Sort' : undefined,
          onclick: c.sort
            ? () => {
                if (state.sort === c.sort) state.order = state.order === 'asc' ? 'desc' : 'asc';
                else {
                  state.sort = c.sort!;
                  state.order = 'desc';
                }
                state.page = 1;
                onChange();
              }
            : undefined,
        },
        c.label,
      );
    }),
  );
  const body = h('tbody');
  if (rows.length === 0)
    body.append(
      h('tr', {}, h('td', { class: 'empty', colspan: columns.length }, options.empty ?? 'Nothing here yet.')),
    );
  for (const row of rows) {
    const tr = h('tr', options.rowAttrs?.(row) ?? {});
    for (const c of columns) tr.append(h('td', { class: c.num ? 'num' : undefined }, c.cell(row)));
    body.append(tr);
  }
  return h('table', {}, h('thead', {}, head), body);
}

export function renderPager(
  pagination: { page: number; pages: number; total: number; limit: number },
  state: SortState,
  onChange: () => void,
): HTMLElement {
  const first = pagination.total === 0 ? 0 : (pagination.page - 1) * pagination.limit + 1;
  const last = Math.min(pagination.total, pagination.page * pagination.limit);
  return h(
    'div',
    { class: 'pager' },
    h(
      'span',
      { 'data-testid': 'page-info' },
      `${first}–${last} of ${pagination.total} · page ${pagination.page} of ${pagination.pages}`,
    ),
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'prev-page',
        disabled: pagination.page <= 1,
        onclick: () => {
          state.page = Math.max(1, state.page - 1);
          onChange();
        },
      },
      '‹ Prev',
    ),
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'next-page',
        disabled: pagination.page >= pagination.pages,
        onclick: () => {
          state.page += 1;
          onChange();
        },
      },
      'Next ›',
    ),
  );
}
