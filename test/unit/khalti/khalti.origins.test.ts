import { KHALTI_ORIGINS, khaltiOriginFor } from '../../../src/khalti/khalti.origins';

test('Khalti origins are bare https origins', () => {
  expect(KHALTI_ORIGINS).toStrictEqual({ sandbox: 'https://dev.khalti.com', production: 'https://khalti.com' });
  expect(khaltiOriginFor('sandbox')).toBe('https://dev.khalti.com');
  expect(khaltiOriginFor('production')).toBe('https://khalti.com');
  expect(() => khaltiOriginFor('embedded' as never)).toThrow(TypeError);
});
