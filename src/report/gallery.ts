/**
 * `gradflow figures`: the post's figures, one chart per activation (function and derivative),
 * computed from the activation registry, with the post's annotations and a note wherever the
 * post's code disagrees with its own formula. Writes <outDir>/index.html.
 */
import { join } from 'node:path';
import { ACTIVATIONS, type ActivationName } from '../net/activations.js';
import { makeDir, writeFileAtomic } from '../results/write.js';
import { escapeHtml, renderPage, type Chart } from './html.js';
import { OTHER_ACTIVATIONS, POST_ACTIVATIONS, activationFigureSpec, figureParams, rangeText } from './specs/figures.js';
import { FIGURES, POST_NOTES, PAGE } from './text.js';

function figureChart(name: ActivationName): Chart {
  const def = ACTIVATIONS[name];
  const p = figureParams(name);
  const params = Object.entries(p).map(([k, v]) => `${k} = ${String(v)}`).join(', ');
  const notes = [
    ...(params ? [FIGURES.paramsNote(params)] : []),
    ...(def.kink.startsWith('none') ? [] : [FIGURES.kinkNote(def.kink)]),
  ];
  return {
    id: `act-${name.replace(/_/g, '-')}`,
    text: { title: FIGURES.chartTitle(name), caption: FIGURES.caption(def.formula, rangeText(name, p)) },
    spec: activationFigureSpec(name),
    notes,
    callouts: POST_NOTES[name] ?? [],
  };
}

/** Renders the gallery to <outDir>/index.html (creating outDir); returns the path. Throws OutputError. */
export async function writeFigures(outDir: string): Promise<string> {
  makeDir(outDir);
  const header = `<p class="kicker">gradflow</p>
<h1>${escapeHtml(FIGURES.heading)}</h1>
<p class="desc">${escapeHtml(FIGURES.intro)}</p>
<p class="desc">${escapeHtml(FIGURES.annotationRule)}</p>`;
  const html = await renderPage({
    title: FIGURES.pageTitle,
    header,
    sections: [
      { heading: FIGURES.postGroup, charts: POST_ACTIVATIONS.map(figureChart) },
      { heading: FIGURES.otherGroup, charts: OTHER_ACTIVATIONS.map(figureChart) },
    ],
    footer: [PAGE.figuresFooter],
  });
  const out = join(outDir, 'index.html');
  writeFileAtomic(out, html);
  return out;
}
