// Offline use and updates (how a version waits and takes over: sw.js). No DOM: the page shows the offer.

/**
 * Register sw.js; call `onNewVersion(reload)` when a new version is ready (waiting, or taken over by another tab);
 * `reload` switches to it.
 * @param {ServiceWorkerContainer} container navigator.serviceWorker
 * @param {(reload: () => void) => void} onNewVersion
 * @returns {Promise<ServiceWorkerRegistration>}
 */
export async function registerWorker(container, onNewVersion) {
  let controlled = Boolean(container.controller); // read before registering: a first install claims the page
  let reloading = false;
  let registration = null;
  const reload = () => {
    reloading = true;
    if (registration?.waiting) registration.waiting.postMessage('activate'); // reloads on controllerchange
    else location.reload();
  };
  container.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
    else if (controlled) onNewVersion(reload); // another tab switched: this page still runs the old version
    controlled = true;
  });
  registration = await container.register('./sw.js', { scope: './' });
  const offerIfWaiting = () => {
    // A first visit replaces nothing: it just starts working offline.
    if (registration.waiting && container.controller) onNewVersion(reload);
  };
  // A version may be installing already (this load's update check), or found later.
  const watch = (worker) => worker?.addEventListener('statechange', () => worker.state === 'installed' && offerIfWaiting());
  registration.addEventListener('updatefound', () => watch(registration.installing));
  watch(registration.installing);
  offerIfWaiting();
  return registration;
}
