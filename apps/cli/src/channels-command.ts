import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import WebSocket from 'ws';
import { describeError } from '@nanobot/core';
import { loadConfig, nanobotPaths, type LoadedConfig } from '@nanobot/config';

type Frame = { type?: string; status?: string; detail?: string; qr?: string };
type Print = (line: string) => void;

const print: Print = (line) => process.stdout.write(`${line}\n`);

/** The bridge token: configured, or the one the bridge generated (`$NANOBOT_HOME/whatsapp-bridge/token`). */
async function bridgeToken(loaded: LoadedConfig): Promise<string> {
  const configured = loaded.config.channels.whatsapp.bridgeToken;
  if (configured.trim() !== '') return configured;
  return (await readFile(nanobotPaths(loaded.nanobotHome).bridgeToken, 'utf8').catch(() => '')).trim();
}

/**
 * Connects to the bridge as an observer (status and QR frames, never messages) and calls
 * `onFrame` until it returns true or `timeoutMs` passes. Resolves with the last status seen.
 */
function observeBridge(url: string, token: string, timeoutMs: number, onFrame: (frame: Frame, ws: WebSocket) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: Math.min(timeoutMs, 5_000) });
    let last = 'unreachable';
    const finish = (status: string) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(status);
    };
    const timer = setTimeout(() => finish(last === 'unreachable' ? last : `${last} (timed out)`), timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token, role: 'observer' })));
    ws.on('message', (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        return; // not ours to interpret; keep listening
      }
      if (frame.type === 'status' && frame.status !== undefined) last = frame.status;
      if (onFrame(frame, ws)) finish(last);
    });
    ws.on('close', (code) => {
      if (code === 4003 || code === 4001) finish('token refused (check channels.whatsapp.bridgeToken)');
      else finish(last);
    });
    ws.on('error', () => undefined); // reported through 'close' as the last status seen
  });
}

async function qrPrinter(): Promise<(qr: string) => void> {
  const specifier = 'qrcode-terminal';
  try {
    type QrTerminal = { generate(text: string, options: { small: boolean }, done: (art: string) => void): void };
    const loaded = (await import(specifier)) as { default?: QrTerminal };
    const qrcode = loaded.default ?? (loaded as unknown as QrTerminal);
    return (qr) => qrcode.generate(qr, { small: true }, (art) => print(art));
  } catch {
    // Without qrcode-terminal the raw payload still works with any QR generator.
    return (qr) => print(`QR payload (install qrcode-terminal to see it as a picture):\n${qr}`);
  }
}

async function showStatus(loaded: LoadedConfig): Promise<void> {
  const { telegram, whatsapp, discord, slack, email } = loaded.config.channels;
  const bridge = whatsapp.enabled
    ? await observeBridge(whatsapp.bridgeUrl, await bridgeToken(loaded), 3_000, (frame) => frame.type === 'status')
    : '-';
  const rows = [
    ['Channel', 'Enabled', 'Details'],
    ['telegram', telegram.enabled ? 'yes' : 'no', `token ${telegram.token === '' ? 'not set' : 'set'}, allowFrom ${telegram.allowFrom.length} entries`],
    ['whatsapp', whatsapp.enabled ? 'yes' : 'no', `bridge ${whatsapp.bridgeUrl} (${bridge}), allowFrom ${whatsapp.allowFrom.length} entries`],
    ['discord', discord.enabled ? 'yes' : 'no', `token ${discord.token === '' ? 'not set' : 'set'}, ${discord.apiBase}, groupPolicy ${discord.groupPolicy}, allowFrom ${discord.allowFrom.length} entries`],
    ['slack', slack.enabled ? 'yes' : 'no', `socket mode via ${slack.apiBase}, tokens ${slack.botToken === '' || slack.appToken === '' ? 'not set' : 'set'}, groupPolicy ${slack.groupPolicy}, allowFrom ${slack.allowFrom.length} entries`],
    ['email', email.enabled ? 'yes' : 'no', `imap ${email.imapHost || '-'}:${email.imapPort} (${email.imapMailbox}), smtp ${email.smtpHost || '-'}:${email.smtpPort}, consent ${email.consentGranted ? 'granted' : 'not granted'}, allowFrom ${email.allowFrom.length} entries`],
  ];
  const width = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows) print(`${(row[0] ?? '').padEnd((width[0] ?? 0) + 2)}${(row[1] ?? '').padEnd((width[1] ?? 0) + 2)}${row[2] ?? ''}`);
}

async function loginWhatsapp(loaded: LoadedConfig, timeoutMs: number): Promise<number> {
  const { whatsapp } = loaded.config.channels;
  const showQr = await qrPrinter();
  print(`Connecting to the WhatsApp bridge at ${whatsapp.bridgeUrl}...`);
  const outcome = await observeBridge(whatsapp.bridgeUrl, await bridgeToken(loaded), timeoutMs, (frame, ws) => {
    if (frame.type === 'qr' && frame.qr !== undefined) {
      print('Scan this code in WhatsApp: Settings → Linked devices → Link a device');
      showQr(frame.qr);
    }
    if (frame.type === 'status' && frame.status === 'logged_out') ws.send(JSON.stringify({ type: 'login' }));
    return frame.type === 'status' && frame.status === 'connected';
  });
  if (outcome === 'connected') {
    print('WhatsApp is linked.');
    return 0;
  }
  if (outcome === 'unreachable') print('The bridge is not running: enable channels.whatsapp and run `nanobot start`.');
  else print(`WhatsApp is not linked: ${outcome}`);
  return 1;
}

/** `nanobot channels status` and `nanobot channels login [whatsapp]`. */
export function registerChannelsCommand(program: Command): void {
  const channels = program.command('channels').description('channel status and WhatsApp linking');
  const config = async () => {
    try {
      return await loadConfig({ env: process.env, homeDir: homedir() });
    } catch (err) {
      process.stderr.write(`nanobot: ${describeError(err)}\n`);
      process.exit(1);
    }
  };
  channels.command('status').description('which channels are enabled, and the WhatsApp bridge state').action(async () => {
    await showStatus(await config());
  });
  channels
    .command('login')
    .argument('[channel]', 'the channel to link', 'whatsapp')
    .option('--timeout <seconds>', 'give up after this long', '300')
    .description('link WhatsApp: shows the QR code and waits until the phone has linked')
    .action(async (channel: string, options: { timeout: string }) => {
      if (channel !== 'whatsapp') {
        process.stderr.write(`nanobot: only whatsapp needs a login, not ${channel}\n`);
        process.exit(1);
      }
      process.exitCode = await loginWhatsapp(await config(), Number(options.timeout) * 1000);
    });
}
