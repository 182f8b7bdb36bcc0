/**
 * The emulator's bank list: ~20 Nepali banks with realistic names, short names and SWIFT codes.
 *
 * idx values are fixed (a client may store a bank's idx, or send it as initiate's `bank`, across
 * emulator restarts). Two of them are the idx values printed in Khalti's own docs (ADBL in the
 * bank-list sample, and the `bank` of the mobile-banking initiate sample, given here to Nabil),
 * so copy-pasted doc samples work against the emulator.
 *
 * Both lists are longer than one page at the default page size (ebanking: 16, mobilecheckout:
 * 14), and two banks are on neither list, so clients must paginate and must filter by list.
 * The logo is served by the emulator itself (see emulator.api.ts), so the bank list renders
 * offline; `logo` here is the path below the emulator root.
 */
export interface BankFixture {
  idx: string;
  name: string;
  short_name: string;
  /** Path below the emulator root; the API turns it into an absolute URL on publicUrl. */
  logo_path: string;
  swift_code: string;
  has_cardpayment: boolean;
  address: string;
  ebanking_url: string;
  has_ebanking: boolean;
  has_mobile_checkout: boolean;
  has_direct_withdraw: boolean;
  has_nchl: boolean;
  has_mobile_banking: boolean;
  play_store: string;
  app_store: string;
  branches: unknown[];
  /** Logo colour, only for the emulator's generated SVG logo. */
  color: string;
}

type Flags = 'E' | 'M' | 'C' | 'N';

/** E: ebanking, M: mobile checkout (and mobile banking, direct withdraw), C: card payment, N: NCHL. */
function bank(
  idx: string,
  name: string,
  shortName: string,
  swift: string,
  address: string,
  color: string,
  flags: Flags[],
): BankFixture {
  const has = (f: Flags) => flags.includes(f);
  return {
    idx,
    name,
    short_name: shortName,
    logo_path: `/static/bank-logo/${shortName.toLowerCase()}.svg`,
    swift_code: swift,
    has_cardpayment: has('C'),
    address,
    // Khalti's own sample leaves these empty; so does the emulator.
    ebanking_url: '',
    has_ebanking: has('E'),
    has_mobile_checkout: has('M'),
    has_direct_withdraw: has('M'),
    has_nchl: has('N'),
    has_mobile_banking: has('M'),
    play_store: '',
    app_store: '',
    branches: [],
    color,
  };
}

export const BANKS: readonly BankFixture[] = Object.freeze([
  bank('UZmPqTDkdhKmukdZe2gVWZ', 'Agricultural Development Bank Limited', 'ADBL', 'ADBLNPKA', 'Singhadurbar, Kathmandu', '#0a7d3b', ['E', 'M']),
  bank('ayCEFuEpkmkjBj3WVWRh32', 'Nabil Bank Limited', 'NABIL', 'NARBNPKA', 'Beena Marg, Durbarmarg, Kathmandu', '#00599c', ['E', 'M', 'C', 'N']),
  bank('idgBN9PRixnw5nBDnfwDrp', 'NIC Asia Bank Limited', 'NICA', 'NICENPKA', 'Thapathali, Kathmandu', '#c8102e', ['E', 'M', 'C', 'N']),
  bank('XbFRBYANJYPv72H7cYEmnv', 'Global IME Bank Limited', 'GBIME', 'GLBBNPKA', 'Kamaladi, Kathmandu', '#e31e24', ['E', 'M', 'C', 'N']),
  bank('ij82dMEZE3Fxft4SrouNvr', 'NMB Bank Limited', 'NMB', 'NMBBNPKA', 'Babarmahal, Kathmandu', '#1b3f8b', ['E', 'M', 'N']),
  bank('qDFauJDJWv4DeiAgGoEx87', 'Prabhu Bank Limited', 'PRVU', 'PRVUNPKA', 'Babarmahal, Kathmandu', '#b5121b', ['E', 'M', 'N']),
  bank('55F7TqrFN5NGThAcdgAD7u', 'Himalayan Bank Limited', 'HBL', 'HIMANPKA', 'Kamaladi, Kathmandu', '#005baa', ['E', 'M', 'C', 'N']),
  bank('5nSazeZXG24pwb2W8HP4RQ', 'Everest Bank Limited', 'EBL', 'EVBLNPKA', 'Lazimpat, Kathmandu', '#0b5ea8', ['E', 'N']),
  bank('TftDd7QXeK8a8AiTuv6iKo', 'Kumari Bank Limited', 'KBL', 'KMBLNPKA', 'Tangal, Kathmandu', '#8b1d41', ['E']),
  bank('n5s8BoSPAKMPq25v5b9cSR', 'Laxmi Sunrise Bank Limited', 'LSL', 'LXBLNPKA', 'Pulchowk, Lalitpur', '#f58220', ['E', 'M', 'N']),
  bank('jnTybX5dxwuGPJ8sUVAME3', 'Siddhartha Bank Limited', 'SBL', 'SIDDNPKA', 'Hattisar, Kathmandu', '#0d4c92', ['E', 'M', 'N']),
  bank('ukaaRpQSTfM3MyxMAyCdQb', 'Sanima Bank Limited', 'SANIMA', 'SNMANPKA', 'Naxal, Kathmandu', '#6d2077', ['E']),
  bank('PL69GN6EjhrCYKSoefjZxq', 'Citizens Bank International Limited', 'CZBIL', 'CTZNNPKA', 'Narayanhitipath, Kathmandu', '#00833e', ['M']),
  bank('am4kphZX6AQHuvok9YpTkK', 'Prime Commercial Bank Limited', 'PCBL', 'PCBLNPKA', 'Kamalpokhari, Kathmandu', '#003e7e', ['M', 'N']),
  bank('8W9s2At3RWob2X58jjPceh', 'Machhapuchchhre Bank Limited', 'MBL', 'MBLNNPKA', 'Lazimpat, Kathmandu', '#0072bc', ['E', 'M']),
  bank('wxVAJaGA3t3E2QwyZuyV6n', 'NCC Bank Limited', 'NCCB', 'NCCENPKA', 'Bagbazar, Kathmandu', '#1d4f91', ['M']),
  bank('LTzfPQt5nbfuMcrmaD6Cya', 'Rastriya Banijya Bank Limited', 'RBB', 'RBBANPKA', 'Singhadurbar Plaza, Kathmandu', '#d71920', ['E', 'N']),
  bank('Jz6HsDCxrADDvk7VFnREDh', 'Nepal Bank Limited', 'NBL', 'NEBLNPKA', 'Dharmapath, Kathmandu', '#00457c', ['E', 'N']),
  bank('8nxXFJCE8QgGuc4MYYQght', 'Nepal Investment Mega Bank Limited', 'NIMB', 'NIBLNPKT', 'Durbarmarg, Kathmandu', '#ed1c24', ['E', 'M', 'N']),
  bank('TEbdUXfdxm6bRgcAs4mUn9', 'Standard Chartered Bank Nepal Limited', 'SCBNL', 'SCBLNPKA', 'Naya Baneshwor, Kathmandu', '#0473ea', ['C']),
  bank('w535Yw5uCpqtyhixqGD7gB', 'Nepal SBI Bank Limited', 'NSBI', 'NSBINPKA', 'Kesharmahal, Kathmandu', '#280071', []),
]);

export type BankPaymentType = 'ebanking' | 'mobilecheckout';
export const BANK_PAYMENT_TYPES: readonly BankPaymentType[] = ['ebanking', 'mobilecheckout'];

export function banksFor(type: BankPaymentType): BankFixture[] {
  return BANKS.filter((b) => (type === 'ebanking' ? b.has_ebanking : b.has_mobile_checkout));
}

export function bankByIdx(idx: string): BankFixture | undefined {
  return BANKS.find((b) => b.idx === idx);
}

export function bankByShortName(shortName: string): BankFixture | undefined {
  return BANKS.find((b) => b.short_name.toLowerCase() === shortName.toLowerCase());
}
