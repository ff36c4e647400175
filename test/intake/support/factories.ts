import { addYearsClamped, makeCitizenId, todayInChina } from '@app/domain';

/**
 * Test data builders: an applicant (consistent ID number, sex and birth date), the registry record
 * the hukou side holds for them, and a valid POST /api/v1/applications body.
 */
let sequence = 0;

export interface Person {
  idNumber: string;
  name: string;
  sex: 'M' | 'F';
  ethnicity: string;
  birthDate: string;
  hukouAddressCode: string;
  hukouAddress: string;
}

export function aPerson(
  overrides: Partial<Omit<Person, 'idNumber'>> & { age?: number } = {},
): Person {
  sequence = (sequence + 1) % 400;
  const sex = overrides.sex ?? (sequence % 2 ? 'M' : 'F');
  const birthDate =
    overrides.birthDate ??
    addYearsClamped(todayInChina(), -(overrides.age ?? 28)).replace(/-\d\d$/, '-01');
  const hukouAddressCode = overrides.hukouAddressCode ?? '340104';
  // Sequence digits: odd for men, even for women (GB 11643); varied per person.
  const seq = (2 * (sequence + 50 * (process.pid % 4)) + (sex === 'M' ? 1 : 0)) % 1000;
  return {
    idNumber: makeCitizenId({ addressCode: hukouAddressCode, birthDate, sequence: seq }),
    name: overrides.name ?? `测试${String.fromCharCode(0x4e00 + sequence)}`,
    sex,
    ethnicity: overrides.ethnicity ?? '汉',
    birthDate,
    hukouAddressCode,
    hukouAddress: overrides.hukouAddress ?? `安徽省合肥市蜀山区长江西路${sequence + 1}号`,
  };
}

/** The registry row the hukou province holds for a person (verification's import format). */
export function registryRecordOf(
  person: Person,
  overrides: Partial<{
    status: 'ACTIVE' | 'CANCELLED' | 'DECEASED';
    cardIssued: boolean;
    flags: string[];
    name: string;
    hukouAddressCode: string;
  }> = {},
) {
  return {
    idNumber: person.idNumber,
    name: overrides.name ?? person.name,
    sex: person.sex,
    ethnicity: `${person.ethnicity}族`,
    birthDate: person.birthDate,
    hukouAddressCode: overrides.hukouAddressCode ?? person.hukouAddressCode,
    hukouAddress: person.hukouAddress,
    status: overrides.status ?? 'ACTIVE',
    cardIssued: overrides.cardIssued ?? false,
    flags: overrides.flags ?? [],
  };
}

export interface ApplicationBody {
  applicant: { idNumber: string; name: string; sex: string; ethnicity: string; birthDate: string };
  hukou: { addressCode: string; address: string };
  acceptancePoint: string;
  photoId: string;
  fingerprints: { templates?: string[]; missingReason?: string };
  guardian?: { name: string; idNumber: string; relation: string };
  delivery: { method: string; recipient?: string; address?: string; phone?: string };
  proxy?: { name: string; idNumber: string };
}

export const DEFAULT_POINT = '330402-01';

/** A guardian for minors: an adult with a valid ID number. */
export function aGuardian() {
  const parent = aPerson({ age: 45, sex: 'F' });
  return { name: parent.name, idNumber: parent.idNumber, relation: '母亲' };
}

/**
 * Builder of a valid application body. Immutable: every method returns a new builder, so one
 * valid base can be varied field by field in a test.
 */
export class ApplicationBuilder {
  constructor(
    readonly person: Person,
    private readonly body: ApplicationBody,
  ) {}

  static valid(person: Person, photoId: string): ApplicationBuilder {
    return new ApplicationBuilder(person, {
      applicant: {
        idNumber: person.idNumber,
        name: person.name,
        sex: person.sex,
        ethnicity: person.ethnicity,
        birthDate: person.birthDate,
      },
      hukou: { addressCode: person.hukouAddressCode, address: person.hukouAddress },
      acceptancePoint: DEFAULT_POINT,
      photoId,
      fingerprints: {
        templates: [
          Buffer.from(`left-index-${person.idNumber}`).toString('base64'),
          Buffer.from(`right-index-${person.idNumber}`).toString('base64'),
        ],
      },
      delivery: { method: 'WINDOW' },
    });
  }

  with(mutate: (body: ApplicationBody) => void): ApplicationBuilder {
    const copy = this.build();
    mutate(copy);
    return new ApplicationBuilder(this.person, copy);
  }

  at(point: string): ApplicationBuilder {
    return this.with((b) => (b.acceptancePoint = point));
  }

  byPost(): ApplicationBuilder {
    return this.with(
      (b) =>
        (b.delivery = {
          method: 'POST',
          recipient: this.person.name,
          address: '浙江省嘉兴市南湖区中山东路1号',
          phone: '13800138000',
        }),
    );
  }

  withGuardian(guardian = aGuardian()): ApplicationBuilder {
    return this.with((b) => (b.guardian = guardian));
  }

  withProxy(): ApplicationBuilder {
    const proxy = aPerson({ age: 40 });
    return this.with((b) => (b.proxy = { name: proxy.name, idNumber: proxy.idNumber }));
  }

  build(): ApplicationBody {
    return JSON.parse(JSON.stringify(this.body));
  }
}

export function anApplication(person: Person, photoId: string): ApplicationBuilder {
  return ApplicationBuilder.valid(person, photoId);
}
