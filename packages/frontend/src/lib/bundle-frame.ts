import { BRIDGE_REQUEST, BRIDGE_RESIZE, BRIDGE_RESPONSE } from './bridge.js';

// The srcdoc of a custom bundle's iframe. The CSP forbids every network fetch (connect-src
// 'none'), so the bridge is the bundle's only way out. The bundle travels as base64 and is
// decoded into a script element: the bytes that run are exactly the bytes that were verified.

function bytesToBase64(bytes: ArrayBuffer): string {
  let binary = '';
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function bundleSrcdoc(bundle: ArrayBuffer, context: { pluginId: string; apiPrefix: string }): string {
  const shim = `
(() => {
  const pending = new Map();
  let next = 0;
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const data = event.data;
    if (!data || data.type !== ${JSON.stringify(BRIDGE_RESPONSE)} || !pending.has(data.id)) return;
    pending.get(data.id)(data);
    pending.delete(data.id);
  });
  window.oko = Object.freeze({
    pluginId: ${JSON.stringify(context.pluginId)},
    apiBase: ${JSON.stringify(`/api/v1/plugins/${context.apiPrefix}/`)},
    request(path, init) {
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        window.parent.postMessage({ type: ${JSON.stringify(BRIDGE_REQUEST)}, id, path, method: init && init.method, body: init && init.body }, '*');
      });
    },
  });
  const report = () => window.parent.postMessage({ type: ${JSON.stringify(BRIDGE_RESIZE)}, height: document.documentElement.scrollHeight }, '*');
  new ResizeObserver(report).observe(document.documentElement);
  const code = new TextDecoder().decode(Uint8Array.from(atob(document.getElementById('oko-bundle').textContent), (c) => c.charCodeAt(0)));
  const script = document.createElement('script');
  script.textContent = code;
  document.body.appendChild(script);
})();`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<style>body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1f2937}</style></head>
<body><div id="app"></div><script type="application/octet-stream" id="oko-bundle">${bytesToBase64(bundle)}</script><script>${shim}</script></body></html>`;
}
