import { loadConfig } from '../../src/config';
import { configError } from '../support/config-error';


describe('loadConfig: CORS_ORIGINS', () => {
  it('is empty unless set', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' , ' }).corsOrigins).toEqual([]);
  });

  it('reads comma-separated origins, normalised as a browser sends them in Origin', () => {
    expect(loadConfig({ CORS_ORIGINS: ' https://Shop.Example.com/ , http://localhost:5173,https://m.shop.example.com:443' }).corsOrigins).toEqual([
      'https://shop.example.com',
      'http://localhost:5173',
      'https://m.shop.example.com',
    ]);
  });

  it.each(['*', 'https://shop.example.com, *'])('refuses %j in one line naming the variable and why', (value) => {
    const error = configError({ CORS_ORIGINS: value });
    expect(error.variable).toBe('CORS_ORIGINS');
    expect(error.message).toMatch(/^CORS_ORIGINS: .*`\*` is refused: a payments API must not be callable from any web page$/);
    expect(error.message).not.toContain('\n');
  });

  it.each(['https://shop.example.com/checkout', 'shop.example.com', 'ftp://shop.example.com', 'https://shop.example.com?x=1', 'null'])(
    'refuses %j (an origin is scheme and host, no path)',
    (value) => {
      const error = configError({ CORS_ORIGINS: value });
      expect(error.variable).toBe('CORS_ORIGINS');
      expect(error.message.startsWith('CORS_ORIGINS: ')).toBe(true);
      expect(error.message).not.toContain('\n');
    },
  );
});
