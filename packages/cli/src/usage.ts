// Printed through Output.result, which ends it with the newline.
export const USAGE = `oko-plugin: create, check, package and publish OKO Dashboard plugins

Usage:
  oko-plugin init <name> [--dir DIR] [--ts] scaffold a plugin (manifest.json, index.js, ui.yaml,
                                            page_manifest.yaml, a test) in ./<name> or DIR; --ts:
                                            src/index.ts with the SDK's types, built by tsc
  oko-plugin dev [DIR] [--backend URL] [--token T] [--lease S]
                                            run the plugin in DIR (default .) in a dashboard backend
                                            as a development plugin; on every save: build (npm run
                                            build, if package.json has one), validate, send what
                                            changed, reload; prints its state, ctx.log lines and
                                            errors. Ctrl-C removes it
  oko-plugin validate <dir|zip>             check a plugin with the store's rules; lists every
                                            problem as "file: field: message"
  oko-plugin pack <dir> [-o OUT.zip]        validate, then write the ZIP the store accepts
                                            (default ./<name>-<version>.zip)
  oko-plugin publish <dir|zip> --store URL [--token T | --api-key KEY] [--key FILE [--signer NAME]]
                                            validate, sign a folder with --key, then upload to the
                                            store; prints the plugin id
  oko-plugin keygen [--out DIR] [--name N]  write a signing key pair: N.key (private, mode 0600) and
                                            N.pem (public); prints the key id and the public key
  oko-plugin sign <dir> --key FILE [--signer NAME]
                                            write <dir>/oko-signature.json over every file pack
                                            would package (signer defaults to the manifest author)
  oko-plugin verify <dir|zip> [--trust PUBKEY.pem]
                                            print the signature's state, signer, key id and each
                                            modified file; exit 0 only for valid, or untrusted
                                            (well formed, matching) without --trust
  oko-plugin import-github <repo_url> [--branch B] [--subdirectory DIR] --store URL
             [--token T | --api-key KEY]
                                            let the store import a plugin from GitHub; prints the id

--store takes the store's URL (http://host:8001 or http://host:8001/api/v1). --token is a publisher
token from the store admin (sent as Authorization: Bearer; the names you publish first are yours),
--api-key the store admin's key. OKO_STORE_URL, OKO_STORE_TOKEN and OKO_STORE_API_KEY in the
environment are used when the flags are not given; one credential is sent, a token before a key.

--backend takes the dashboard backend's URL (default OKO_BACKEND_URL, else http://127.0.0.1:8000);
--token an admin's API token for it (default OKO_TOKEN). The backend accepts development plugins
when started with OKO_DEV_PLUGINS=true (or on loopback with sign-in off). --lease: seconds the
backend keeps the plugin without hearing from dev (default 30; renewed every third of it).

Exit codes:
  0  done
  1  invalid plugin, invalid arguments or a folder that is in the way
  2  the store (for dev: the backend) refused the request or could not be reached`;
