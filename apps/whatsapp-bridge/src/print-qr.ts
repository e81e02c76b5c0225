/**
 * Renders a WhatsApp QR code in the terminal with `qrcode-terminal` when it is installed;
 * otherwise writes the raw payload with a hint (it can be turned into a QR by any generator).
 */
export async function createQrPrinter(write: (text: string) => void): Promise<(qr: string) => void> {
  const specifier = 'qrcode-terminal';
  try {
    const loaded = (await import(specifier)) as { default?: QrTerminal } & Partial<QrTerminal>;
    const qrcode = loaded.default ?? (loaded as QrTerminal);
    return (qr) => qrcode.generate(qr, { small: true }, (art) => write(`Scan this QR code with WhatsApp (Linked devices):\n${art}\n`));
  } catch {
    // Not installed: fall back to the raw payload, which still lets a user link the session.
    return (qr) => write(`WhatsApp QR payload (install qrcode-terminal to see it as a picture):\n${qr}\n`);
  }
}

type QrTerminal = { generate(text: string, options: { small: boolean }, done: (art: string) => void): void };
