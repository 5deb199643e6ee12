import { bridgeClientScript } from '@oko/shared';

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
  // The same client plugin pages get from the backend: window.oko.fetch and window.oko.request.
  const loader = `${bridgeClientScript(context)}
(() => {
  const code = new TextDecoder().decode(Uint8Array.from(atob(document.getElementById('oko-bundle').textContent), (c) => c.charCodeAt(0)));
  const script = document.createElement('script');
  script.textContent = code;
  document.body.appendChild(script);
})();`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<style>body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1f2937}</style></head>
<body><div id="app"></div><script type="application/octet-stream" id="oko-bundle">${bytesToBase64(bundle)}</script><script>${loader}</script></body></html>`;
}
