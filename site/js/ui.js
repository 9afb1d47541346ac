// What the page shows, its buttons and keys. DOM only: numbers from recognise.js, labels and thresholds from
// metadata.json.

/** Whole percent, rounded down: 99.7% never reads as a certain "100%". */
export const percent = (probability) => `${Math.floor(probability * 100 + 1e-6)}%`;

/** A label, "?" after if unsure (ink judged no label is "?" already). */
const tagged = ({ label, unsure, other }) => (unsure && !other ? `${label}?` : label);

const ordinal = (n) => `${n}${['th', 'st', 'nd', 'rd'][n % 100 > 10 && n % 100 < 14 ? 0 : n % 10] || 'th'}`;

/** How sure the model is of the characters, and if they may touch (`touching`:
 * metadata.display.touchingAspect, 0: never). `noun`: metadata.task.noun. */
export function describe(characters, noun = 'digit', touching = 0) {
  const wide = ({ box }) => touching > 0 && box.right - box.left + 1 >= touching * (box.bottom - box.top + 1);
  return sureness(characters, noun) + (characters.some(wide) ? ` · ${noun}s touching? Leave a little space` : '');
}

function sureness(characters, noun) {
  if (characters.some((character) => character.other)) return `? = does not look like a ${noun}`;
  const unsure = characters.filter((character) => character.unsure);
  if (characters.length === 1) {
    const [only] = characters;
    return only.unsure ? `not sure — maybe ${only.label} or ${only.runnerUp}` : `${percent(only.confidence)} sure`;
  }
  if (unsure.length === 0) {
    const lowest = Math.min(...characters.map((character) => character.confidence));
    return `${characters.length} ${noun}s, each at least ${percent(lowest)} sure`;
  }
  if (unsure.length === 1) {
    const position = characters.indexOf(unsure[0]) + 1;
    return `not sure about the ${ordinal(position)} — maybe ${unsure[0].label} or ${unsure[0].runnerUp}`;
  }
  return `not sure about ${unsure.length} of ${characters.length} ${noun}s (marked ?)`;
}

/** A model input as the model sees it: bright = ink, as in MNIST. */
function paintInput(canvas, input) {
  const size = Math.round(Math.sqrt(input.length));
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = size;
    canvas.height = size;
  }
  const context = canvas.getContext('2d');
  const image = context.createImageData(size, size);
  const { data } = image;
  for (let index = 0; index < input.length; index++) {
    const grey = Math.round(input[index] * 255);
    data[4 * index] = grey;
    data[4 * index + 1] = grey;
    data[4 * index + 2] = grey;
    data[4 * index + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

/** Outline the characters (boxes in recognition pixels, `recognitionSize` a side) on the overlay, `size` CSS px a
 * side (from a ResizeObserver: clientWidth forces a layout); `selected` highlighted. */
function paintBoxes(overlay, size, characters, recognitionSize, selected) {
  const pixelRatio = window.devicePixelRatio || 1;
  const backing = Math.round(size * pixelRatio);
  const context = overlay.getContext('2d');
  if (overlay.width !== backing || overlay.height !== backing) {
    overlay.width = backing; // resizing clears it too
    overlay.height = backing;
  } else {
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, backing, backing);
  }
  context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  // One sure character needs no box: boxes show how a drawing was split, or doubt.
  if (characters.length < 2 && !characters.some((character) => character.unsure)) return;
  const style = getComputedStyle(overlay);
  const scale = size / recognitionSize;
  const margin = 4;
  context.font = `600 ${Math.max(12, Math.round(size / 24))}px system-ui, sans-serif`;
  context.textBaseline = 'bottom';
  // No room above the top line: all tags go under their boxes, so two lines' tags do not meet.
  const under = characters.some(({ box }) => box.top * scale - margin <= 18);
  characters.forEach((character, index) => {
    const { top, left, bottom, right } = character.box;
    const colour = style.getPropertyValue(character.unsure ? '--unsure' : '--box').trim();
    context.strokeStyle = colour;
    context.fillStyle = colour;
    context.lineWidth = index === selected ? 2.5 : 1.5;
    context.setLineDash(character.unsure ? [5, 4] : []);
    const x = left * scale - margin;
    const y = top * scale - margin;
    context.strokeRect(x, y, (right - left + 1) * scale + 2 * margin, (bottom - top + 1) * scale + 2 * margin);
    const tag = tagged(character);
    const low = (bottom + 1) * scale + margin + 18;
    context.fillText(tag, x, y > 18 && !(under && low <= size) ? y - 2 : low);
  });
}

/** Bind the page's elements. @param {Document} root */
export function createView(root) {
  const byId = (id) => root.getElementById(id);
  const [pad, overlay, prompt, undoButton, clearButton] = ['pad', 'overlay', 'prompt', 'undo', 'clear'].map(byId);
  const [status, error, answer, prediction, verdict] = ['status', 'error', 'answer', 'prediction', 'verdict'].map(byId);
  const [characterList, bars, barsHeading, forgetButton, teachNote] = ['characters', 'bars', 'bars-heading', 'forget', 'teach-note'].map(byId);
  // index.html says "not ready" (ink before main.js runs is lost); the pad listens from main.js's next line.
  prompt.firstChild.textContent = 'Draw here';
  let shown = []; // characters on screen
  let tooSmall = false; // a speck drawn (recognise.js isSpeck)
  let ranOff = false; // a stroke ran off the pad (pad.js ranOff): unread
  let ignored = 0; // marks dropped as specks (recognise.js Recognition.ignored)
  let marks = 0; // points, dashes, signs left out (Recognition.marks)
  let busy = false; // a stroke in progress: "too small", "touching?" wait for the pen to lift
  let settling = 0; // timer: aria-busy ends 1 s after the pen lifts
  let selected = -1; // whose probabilities the bars show
  let recognitionSize = 0;
  let noun = 'digit'; // metadata.task.noun
  let touching = 0; // metadata.display.touchingAspect (0: none)
  let overlaySize = -1; // the overlay's CSS side, from ResizeObserver (-1: not yet)
  const overlaySide = () => (overlaySize >= 0 ? overlaySize : (overlaySize = overlay.clientWidth));
  new ResizeObserver(([entry]) => {
    overlaySize = entry.contentBoxSize?.[0]?.inlineSize ?? entry.contentRect.width;
    paintBoxes(overlay, overlaySize, shown, recognitionSize, selected);
  }).observe(overlay);
  const capitalised = () => noun.charAt(0).toUpperCase() + noun.slice(1);
  const say = () => {
    if (!recognitionSize) return; // no model shown (yet, or it failed)
    const unread = busy ? '' : (ranOff ? ' · part of it ran off the pad: write smaller' : '') + (ignored ? ' · a small mark was not read: write it bigger' : '') + (marks ? ` · a dot, dash or sign was not read: ${noun}s only` : '');
    verdict.textContent = shown.length > 0 ? describe(shown, noun, busy ? 0 : touching) + unread
      : tooSmall && !busy ? `Too small to read: draw the ${noun} bigger` : 'The answer appears here as you draw.';
  };

  function showSelection() {
    const character = shown[selected];
    Array.from(bars.children).forEach((row, index) => {
      const probability = character ? character.probabilities[index] : 0;
      row.querySelector('.bar-fill').style.transform = `scaleX(${probability})`;
      row.querySelector('.bar-value').textContent = character ? percent(probability) : '';
      row.firstChild.disabled = !character; // nothing to teach: no tab stop either
      row.classList.toggle('top', Boolean(character) && row.dataset.label === character.label);
    });
    barsHeading.textContent = shown.length > 1 ? `Probabilities — ${noun} ${selected + 1} of ${shown.length}` : 'Probabilities';
    Array.from(characterList.querySelectorAll('button')).forEach((button, index) => {
      button.setAttribute('aria-pressed', String(index === selected));
    });
    // Not mid-stroke: painted for each live answer, they cost a slow phone most (review 10).
    if (!busy) paintBoxes(overlay, overlaySide(), shown, recognitionSize, selected);
  }

  function characterItem(index) {
    const item = root.createElement('li');
    const button = root.createElement('button');
    button.type = 'button';
    button.className = 'character';
    button.innerHTML = '<canvas class="seen"></canvas><span class="character-label"></span><span class="character-confidence"></span>';
    button.addEventListener('click', () => {
      selected = index;
      showSelection();
    });
    item.append(button);
    return item;
  }

  /** The latest inference time and its backend. */
  const showTiming = (milliseconds) => {
    const element = byId('backend');
    element.textContent = `· read in ${milliseconds.toFixed(1)} ms on this device (${element.dataset.backend})`;
  };

  /** The task switch shows `name` chosen. */
  const pressTask = (name) => byId('tasks').querySelectorAll('button').forEach((button) => button.setAttribute('aria-pressed', String(button.dataset.task === name)));

  /** A button disabling or hiding itself drops focus to the page's start: give it to the pad. */
  const onClick = (button, action) => button.addEventListener('click', () => {
    action();
    if (button.disabled || button.hidden) pad.focus({ preventScroll: true });
  });

  return {
    /** Buttons, and keys Esc (clear) and Ctrl/Cmd+Z (undo). */
    bindControls({ clear, undo }) {
      if (/Mac|iPhone|iPad/.test(navigator.platform)) undoButton.querySelector('kbd').textContent = '⌘ Z';
      onClick(clearButton, clear);
      onClick(undoButton, undo);
      root.addEventListener('keydown', (event) => {
        // Esc clears from the drawing's side (or the body), not from a switch or bar.
        if (event.key === 'Escape' && (event.target === root.body || event.target.closest?.('.drawing'))) {
          clear();
        } else if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'z') {
          event.preventDefault();
          undo();
        }
      });
    },

    /** A tap on a bar teaches that the selected character is its label; Forget drops this task's teaching. */
    bindTeaching({ teach, forget }) {
      bars.addEventListener('click', (event) => {
        const row = event.target.closest('li');
        if (row && shown[selected]) teach(shown[selected], row.dataset.label);
      });
      onClick(forgetButton, forget);
    },

    /** `count` taught for this task; `kept`: the last change was stored; `label`: just taught this drawing. */
    showTaught(count, kept = true, label = '') {
      forgetButton.hidden = count === 0;
      forgetButton.textContent = `Forget what I taught (${count})`;
      const which = shown.length > 1 ? `${noun} ${selected + 1} of ${shown.length}` : `this ${noun}`;
      teachNote.textContent = !kept ? 'This browser would not keep it (storage off or full): it lasts until you leave the page.'
        : label ? `Taught: ${which} is ${label}. Not that? Tap the right one.` : '';
    },

    /** The tasks (tasks.js TaskEntry): a switch, shown only for several; `onSelect(name)`. */
    showTasks(tasks, selected, onSelect) {
      const nav = byId('tasks');
      nav.replaceChildren(...(tasks.length > 1 ? tasks : []).map(({ name, title }) => {
        const button = root.createElement('button');
        button.type = 'button';
        button.dataset.task = name;
        button.textContent = title;
        button.setAttribute('aria-pressed', String(name === selected));
        button.addEventListener('click', () => {
          if (button.getAttribute('aria-pressed') === 'true') return;
          pressTask(name);
          onSelect(name);
        });
        return button;
      }));
      nav.hidden = tasks.length < 2;
    },

    /** Back on the task `name`, saying why: the one chosen could not load. */
    showTaskFailed(name, message) {
      pressTask(name);
      status.textContent = message;
      status.hidden = false;
    },

    /** A task's model is loading: no answer till ready. */
    showLoading() {
      status.textContent = 'Loading the recogniser…';
      status.hidden = false;
      error.hidden = true;
      shown = [];
      characterList.replaceChildren();
      prediction.textContent = '';
      say(); // not the last task's verdict beside no answer
      byId('probabilities').hidden = true;
    },

    /** From metadata.json: the task's words, footer facts, a probability bar per label. */
    showModel(metadata) {
      recognitionSize = metadata.drawing.canvasSize;
      noun = metadata.task?.noun ?? 'digit';
      touching = metadata.display.touchingAspect ?? 0;
      if (metadata.task) {
        prompt.firstChild.textContent = metadata.task.prompt;
        prompt.querySelector('span').textContent = metadata.task.hint;
        pad.setAttribute('aria-label', `Drawing area: draw ${noun}s with a mouse, finger or pen`);
        byId('tagline').textContent = `Draw a ${noun} — ${metadata.task.hint} — and see it read as you write.`;
        root.title = `Inkwell — draw ${noun}s`;
      }
      verdict.textContent = 'The answer appears here as you draw.';
      // In a reader's words (which model, how often right, on what); the version for bug reports.
      const facts = [`${metadata.task?.title ?? 'Digits'} model ${metadata.version}`];
      if (metadata.accuracy && typeof metadata.accuracy.test === 'number') {
        facts.push(`${(metadata.accuracy.test * 100).toFixed(1)}% right on the ${metadata.accuracy.testSet}`);
      }
      if (metadata.parameters) facts.push(`${metadata.parameters.toLocaleString('en')} parameters`);
      byId('model-info').textContent = facts.join(' · ');
      byId('probabilities').hidden = false;
      bars.replaceChildren(...metadata.labels.map((label) => {
        const row = root.createElement('li');
        row.dataset.label = label;
        row.innerHTML = '<button type="button" class="bar"><span class="bar-label"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value"></span></button>';
        row.querySelector('.bar-label').textContent = label;
        row.firstChild.title = `It is ${label}: teach Inkwell`;
        row.firstChild.setAttribute('aria-describedby', 'teach-hint');
        return row;
      }));
    },

    /** The backend, and one prediction's time once warmed up. */
    showBackend({ backend, milliseconds }) {
      const element = byId('backend');
      element.dataset.backend = backend;
      element.title = `One prediction at start-up, after a first to warm up: ${milliseconds.toFixed(1)} ms on ${backend}`;
      showTiming(milliseconds);
      status.hidden = true;
    },

    showTiming,

    /** A model that cannot load: say so, keep the pad; "reload" only where it may help. */
    showError(message, retry) {
      status.hidden = true;
      error.textContent = `The recogniser could not start: ${message}. You can still draw${retry ? '; reload to try again' : ''}.`;
      error.hidden = false;
      verdict.textContent = '';
      recognitionSize = 0; // nothing more said of a drawing
      byId('model-info').textContent = 'No model loaded';
    },

    /** A new version is ready: a notice whose button reloads. */
    showUpdate(reload) {
      const notice = byId('update');
      byId('update-reload').onclick = reload;
      notice.hidden = false;
    },

    /** A stroke in progress (`now`): screen readers hear the answer once the writer pauses 1 s. */
    setBusy(now) {
      if (busy === now) return; // not on every move
      busy = now;
      clearTimeout(settling);
      if (busy) answer.setAttribute('aria-busy', 'true');
      else settling = setTimeout(() => answer.setAttribute('aria-busy', 'false'), 1000);
      say();
      if (!busy) paintBoxes(overlay, overlaySide(), shown, recognitionSize, selected); // held while the pen moved
    },

    /** Prompt and buttons follow whether anything is drawn. */
    showDrawing(empty, canUndo = !empty) {
      prompt.hidden = !empty;
      undoButton.disabled = !canUndo;
      clearButton.disabled = empty;
      pad.classList.toggle('has-ink', !empty);
    },

    /** Show a recognition (recognise.js); an empty one clears the answer. `offPad`: pad.js ranOff. */
    showResult({ characters, text, tooSmall: speck, ignored: dropped, marks: signs }, offPad = false) {
      ranOff = offPad;
      ignored = dropped;
      marks = signs;
      if (characters.length !== shown.length) {
        characterList.replaceChildren(...characters.map((_, index) => characterItem(index)));
        selected = characters.length - 1;
      }
      shown = characters;
      prediction.textContent = text;
      const lines = text.split('\n');
      prediction.style.setProperty('--n', Math.max(1, ...lines.map((line) => line.length))); // its longest line
      prediction.style.setProperty('--lines', lines.length);
      tooSmall = Boolean(speck);
      say();
      answer.classList.toggle('unsure', characters.some((character) => character.unsure));
      characters.forEach((character, index) => {
        const button = characterList.children[index].firstElementChild;
        paintInput(button.querySelector('canvas'), character.input);
        button.querySelector('.character-label').textContent = tagged(character);
        button.querySelector('.character-confidence').textContent = percent(character.confidence);
        button.classList.toggle('unsure', character.unsure);
        const line = characters.at(-1).row ? `, line ${character.row + 1}` : '';
        button.setAttribute('aria-label', `${capitalised()} ${index + 1}${line}: ${character.label}, ${percent(character.confidence)} sure${
          character.unsure ? `, maybe ${character.runnerUp}` : ''}`);
      });
      showSelection();
    },
  };
}
