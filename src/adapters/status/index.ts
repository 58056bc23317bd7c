/** Terminal status: the model, the pure renderer and the screen that redraws it. */
export * from './model.ts';
export { compactStatusLine, type RenderOptions, renderStatus, statusChangeKey } from './render.ts';
export * from './screen.ts';
