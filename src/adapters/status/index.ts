/** Terminal status: the model, the pure renderers (screen and plain lines) and the screen that prints them. */
export * from './model.ts';
export { plainPositionLine, plainStatusLines } from './plain.ts';
export { compactStatusLine, type RenderOptions, renderStatus, statusChangeKey } from './render.ts';
export * from './screen.ts';
