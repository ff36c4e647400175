import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { PlainText } from '@app/platform';
import { DeliveryDto, HukouDto } from '../../applications/dto/create-application.dto';

const NOT_BLANK = /\S/;
const ID_NUMBER = /^\d{17}[\dXx]$/;
const ID_NUMBER_MESSAGE = '$property must be 18 characters: 17 digits then a digit or X';
export const PARENT_RELATION_VALUES = ['FATHER', 'MOTHER'] as const;

export class NewbornChildDto {
  @ApiProperty({ maxLength: 64, example: '王小明', description: "The child's name (姓名)" })
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  name!: string;

  @ApiProperty({ enum: ['M', 'F'] })
  @IsIn(['M', 'F'])
  sex!: 'M' | 'F';

  @ApiProperty({
    example: '2026-11-01',
    description: 'YYYY-MM-DD: not in the future, within the age limit',
  })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a date as YYYY-MM-DD' })
  birthDate!: string;

  @ApiProperty({ maxLength: 32, example: '汉族', description: "The father's or the mother's" })
  @IsString()
  @Length(1, 32)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  ethnicity!: string;

  @ApiProperty({ example: '330402', description: 'Division code of the place of birth (出生地)' })
  @IsString()
  @Matches(/^\d{6}$/, { message: '$property must be a 6-digit division code' })
  birthPlaceCode!: string;

  @ApiPropertyOptional({
    example: 'OTHER_LINEAL_ELDER',
    description:
      'When the surname follows neither parent: a Civil Code art. 1015 exception code from the newborn rules (OTHER_LINEAL_ELDER, RAISED_BY_NON_GUARDIAN, OTHER_LEGITIMATE_REASON, ETHNIC_TRADITION)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,39}$/, { message: '$property must be an UPPER_SNAKE code' })
  surnameReason?: string;
}

export class NewbornParentDto {
  @ApiProperty({ enum: PARENT_RELATION_VALUES })
  @IsIn(PARENT_RELATION_VALUES)
  relation!: 'FATHER' | 'MOTHER';

  @ApiProperty({ maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  name!: string;

  @ApiProperty({ maxLength: 32, example: '汉族' })
  @IsString()
  @Length(1, 32)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  ethnicity!: string;

  @ApiProperty({
    description: 'Citizen ID number (GB 11643) of the parent whose household the child joins',
  })
  @IsString()
  @Matches(ID_NUMBER, { message: ID_NUMBER_MESSAGE })
  idNumber!: string;
}

export class NewbornOtherParentDto {
  @ApiProperty({ enum: PARENT_RELATION_VALUES })
  @IsIn(PARENT_RELATION_VALUES)
  relation!: 'FATHER' | 'MOTHER';

  @ApiProperty({ maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  name!: string;

  @ApiProperty({ maxLength: 32 })
  @IsString()
  @Length(1, 32)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  ethnicity!: string;

  @ApiPropertyOptional({ description: 'Citizen ID number, when known' })
  @IsOptional()
  @IsString()
  @Matches(ID_NUMBER, { message: ID_NUMBER_MESSAGE })
  idNumber?: string;
}

export class MarriageEvidenceDto {
  @ApiProperty({
    example: 'MARRIAGE_CERTIFICATE',
    description:
      'A kind from the newborn rules: MARRIAGE_CERTIFICATE or NON_MARITAL_BIRTH_STATEMENT',
  })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,39}$/, { message: '$property must be an UPPER_SNAKE code' })
  kind!: string;

  @ApiPropertyOptional({
    maxLength: 40,
    description: 'The number as printed (marriage certificate)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  number?: string;
}

export class CreateNewbornRegistrationDto {
  @ApiProperty({ description: "Must be the calling clerk's point", example: '330402-01' })
  @IsString()
  @Matches(/^\d{6}-\d{2}$/, { message: '$property must look like 330402-01' })
  acceptancePoint!: string;

  @ApiProperty({ type: NewbornChildDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => NewbornChildDto)
  child!: NewbornChildDto;

  @ApiProperty({
    example: 'P330123456',
    description:
      'Birth medical certificate number (出生医学证明编号) as printed: one letter and nine digits by default (NEWBORN_RULES_FILE)',
  })
  @IsString()
  @Length(1, 40)
  birthCertificateNumber!: string;

  @ApiProperty({
    type: NewbornParentDto,
    description: 'The parent applying, whose household the child joins',
  })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => NewbornParentDto)
  parent!: NewbornParentDto;

  @ApiPropertyOptional({ type: NewbornOtherParentDto, description: 'The other parent, if known' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => NewbornOtherParentDto)
  otherParent?: NewbornOtherParentDto;

  @ApiProperty({ type: MarriageEvidenceDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MarriageEvidenceDto)
  marriage!: MarriageEvidenceDto;

  @ApiProperty({ type: HukouDto, description: "The household's hukou address (the parent's)" })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => HukouDto)
  hukou!: HukouDto;

  @ApiProperty({ type: DeliveryDto, description: 'How the household-register page is delivered' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveryDto)
  delivery!: DeliveryDto;
}
