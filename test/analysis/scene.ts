import sharp, { type Sharp } from 'sharp';

/**
 * A photo-like scene the tests make themselves (so they run without ../shared): a sky
 * gradient, hills, a house with windows, a fence of thin posts and text, as SVG rendered by
 * sharp at `width` x `height`. `variant` moves things a little (frames of one burst) or, from
 * 100 up, draws another scene.
 */
export function sceneSvg(width: number, height: number, variant = 0): string {
  const other = variant >= 100;
  const dx = (variant % 100) * 0.01 * width;
  const posts = Array.from({ length: 40 }, (_, i) => {
    const x = (0.05 + i * 0.022) * width + dx;
    return `<rect x="${x}" y="${0.62 * height}" width="${0.004 * width}" height="${0.12 * height}" fill="#f4f0e0"/>`;
  }).join('');
  const windows = Array.from({ length: 6 }, (_, i) => {
    const x = (0.58 + (i % 3) * 0.06) * width + dx;
    const y = (0.38 + Math.floor(i / 3) * 0.1) * height;
    return `<rect x="${x}" y="${y}" width="${0.04 * width}" height="${0.06 * height}" fill="#203050" stroke="#fff" stroke-width="2"/>`;
  }).join('');
  if (other) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <rect width="100%" height="100%" fill="#0b3d2e"/>
      <circle cx="${0.3 * width}" cy="${0.35 * height}" r="${0.22 * height}" fill="#ffd23f"/>
      <rect x="${0.55 * width}" y="${0.1 * height}" width="${0.35 * width}" height="${0.8 * height}" fill="#eeeeee"/>
      <text x="${0.6 * width}" y="${0.5 * height}" font-size="${0.08 * height}" fill="#111">WXYZ 0123</text></svg>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4a7bd0"/><stop offset="1" stop-color="#cfe3ff"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <ellipse cx="${0.3 * width + dx}" cy="${0.95 * height}" rx="${0.6 * width}" ry="${0.4 * height}" fill="#3f7d3a"/>
    <ellipse cx="${0.85 * width + dx}" cy="${height}" rx="${0.5 * width}" ry="${0.45 * height}" fill="#2f6a2c"/>
    <rect x="${0.55 * width + dx}" y="${0.3 * height}" width="${0.25 * width}" height="${0.35 * height}" fill="#b5523b"/>
    <polygon points="${0.53 * width + dx},${0.3 * height} ${0.675 * width + dx},${0.15 * height} ${0.82 * width + dx},${0.3 * height}" fill="#5a2a1a"/>
    ${windows}${posts}
    <text x="${0.08 * width + dx}" y="${0.2 * height}" font-size="${0.05 * height}" fill="#fff">TERMTABLE 1234</text>
  </svg>`;
}

/** The scene as 8-bit RGB pixels, `blur` a Gaussian sigma in pixels (0: none). */
export async function scene(width: number, height: number, opts: { variant?: number; blur?: number } = {}): Promise<Sharp> {
  let img = sharp(Buffer.from(sceneSvg(width, height, opts.variant ?? 0))).flatten({ background: '#000' });
  const png = await img.png().toBuffer();
  img = sharp(png);
  if (opts.blur) img = img.blur(Math.max(0.3, opts.blur));
  return img;
}
