// Which task the page reads (digits, letters, ...): listed in models/index.json (convert.py writes it), the
// choice kept across visits. No DOM: runs in Node tests.

/** @typedef {{name: string, title: string}} TaskEntry one entry of models/index.json */

const STORAGE_KEY = 'inkwell.task';

/**
 * Read models/index.json.
 * @param {(url: string) => Promise<Response>} fetchFile
 * @returns {Promise<TaskEntry[]>} at least one task, the default first
 */
export async function loadTasks(fetchFile = (url) => fetch(url)) {
  const url = './models/index.json';
  let index;
  try {
    const response = await fetchFile(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    index = await response.json();
  } catch (error) {
    throw new Error(`cannot read ${url} (${error.message}); rebuild it with make convert`);
  }
  const tasks = Array.isArray(index?.tasks) ? index.tasks : [];
  const valid = tasks.filter((task) => /^[a-z0-9-]+$/.test(task?.name ?? '') && typeof task.title === 'string');
  if (valid.length === 0 || valid.length !== tasks.length) throw new Error(`${url} lists no valid tasks; rebuild it with make convert`);
  return valid;
}

/**
 * The task to open: ?task=<name> if it is listed, else the one chosen on an earlier visit, else the first.
 * @param {TaskEntry[]} tasks
 * @param {string} search location.search
 * @param {Storage|null} storage localStorage, or null
 */
export function chooseTask(tasks, search, storage) {
  const names = tasks.map((task) => task.name);
  const asked = new URLSearchParams(search).get('task');
  if (names.includes(asked)) return asked;
  let remembered = null;
  try {
    remembered = storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    // Storage refused (private modes, blocked cookies): every visit starts with the default.
  }
  return names.includes(remembered) ? remembered : names[0];
}

/** Remember task `name` for the next visit (not where storage is refused). */
export function rememberTask(storage, name) {
  try {
    storage?.setItem(STORAGE_KEY, name);
  } catch {
    // As in chooseTask: no storage, no memory.
  }
}
