/** Vite asset imports: `?url` resolves to the emitted file's URL. */
declare module '*?url' {
  const src: string;
  export default src;
}

/** `?raw` inlines a file's text into the bundle. */
declare module '*?raw' {
  const text: string;
  export default text;
}
