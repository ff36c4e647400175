import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBase64,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { FreeText, PlainText } from '@app/platform';

/** Not blank: at least one non-space character. */
const NOT_BLANK = /\S/;
const ID_NUMBER = /^\d{17}[\dXx]$/;
const ID_NUMBER_MESSAGE = '$property must be 18 characters: 17 digits then a digit or X';

export class ApplicantDto {
  @ApiProperty({
    description: 'Citizen ID number (GB 11643), 18 characters',
    example: '33040220080510001X',
  })
  @IsString()
  @Matches(ID_NUMBER, { message: ID_NUMBER_MESSAGE })
  idNumber!: string;

  @ApiProperty({ maxLength: 64, example: '张三' })
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  name!: string;

  @ApiProperty({
    enum: ['M', 'F'],
    description: 'Must agree with the ID number (odd sequence = M)',
  })
  @IsIn(['M', 'F'])
  sex!: 'M' | 'F';

  @ApiProperty({ maxLength: 32, example: '汉' })
  @IsString()
  @Length(1, 32)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  ethnicity!: string;

  @ApiProperty({ description: 'YYYY-MM-DD; must agree with the ID number', example: '2008-05-10' })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a date as YYYY-MM-DD' })
  birthDate!: string;
}

export class HukouDto {
  @ApiProperty({
    description: 'County-level division code of the hukou address (from the 户口簿)',
    example: '340104',
  })
  @IsString()
  @Matches(/^\d{6}$/, { message: '$property must be a 6-digit division code' })
  addressCode!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  address!: string;
}

export class FingerprintsDto {
  @ApiPropertyOptional({
    type: [String],
    minItems: 2,
    maxItems: 2,
    description: 'Two fingerprint templates, base64 (each at most 8192 characters)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsString({ each: true })
  @MaxLength(8192, { each: true })
  @IsBase64(undefined, { each: true })
  templates?: string[];

  @ApiPropertyOptional({ maxLength: 200, description: 'Why fingerprints could not be captured' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @FreeText()
  missingReason?: string;
}

export class GuardianDto {
  @ApiProperty({ maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  name!: string;

  @ApiProperty({ description: 'Citizen ID number of the guardian' })
  @IsString()
  @Matches(ID_NUMBER, { message: ID_NUMBER_MESSAGE })
  idNumber!: string;

  @ApiProperty({ maxLength: 32, example: '父亲' })
  @IsString()
  @Length(1, 32)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  relation!: string;
}

export const DELIVERY_METHOD_VALUES = ['WINDOW', 'POST'] as const;

export class DeliveryDto {
  @ApiProperty({ enum: DELIVERY_METHOD_VALUES, description: 'WINDOW: 窗口领取; POST: 邮递领取' })
  @IsIn(DELIVERY_METHOD_VALUES)
  method!: 'WINDOW' | 'POST';

  @ApiPropertyOptional({ maxLength: 64, description: 'POST only (required then)' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  recipient?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'POST only (required then)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  address?: string;

  @ApiPropertyOptional({
    description: 'POST only (required then): digits, optional leading +, dashes',
    example: '13800138000',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\+?\d[\d-]{3,18}\d$/, {
    message: '$property must be 5-20 digits (optional leading +, dashes)',
  })
  phone?: string;
}

export class ProxyDto {
  @ApiProperty({ maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @PlainText()
  name!: string;

  @ApiProperty()
  @IsString()
  @Matches(ID_NUMBER, { message: ID_NUMBER_MESSAGE })
  idNumber!: string;
}

export class CreateApplicationDto {
  @ApiProperty({ type: ApplicantDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ApplicantDto)
  applicant!: ApplicantDto;

  @ApiProperty({ type: HukouDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => HukouDto)
  hukou!: HukouDto;

  @ApiProperty({ description: "Must be the calling clerk's point", example: '330402-01' })
  @IsString()
  @Matches(/^\d{6}-\d{2}$/, { message: '$property must look like 330402-01' })
  acceptancePoint!: string;

  @ApiProperty({
    format: 'uuid',
    description: 'From POST /api/v1/photos: same region, under 3 years old',
  })
  @IsUUID()
  photoId!: string;

  @ApiProperty({ type: FingerprintsDto, description: 'Either two templates or a missingReason' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => FingerprintsDto)
  fingerprints!: FingerprintsDto;

  @ApiPropertyOptional({
    type: GuardianDto,
    description: 'Required when the applicant is under 16 on the intake date',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GuardianDto)
  guardian?: GuardianDto;

  @ApiProperty({ type: DeliveryDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveryDto)
  delivery!: DeliveryDto;

  @ApiPropertyOptional({
    type: ProxyDto,
    description: 'A person allowed to collect the card (代领人)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProxyDto)
  proxy?: ProxyDto;
}
