import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { FingerprintsDto, GuardianDto } from './create-application.dto';
import { FreeText } from '@app/platform';

export class SupplementItemDto {
  @ApiProperty({
    maxLength: 64,
    description: 'A code the hukou side asked for',
    example: 'HUKOU_BOOKLET_COPY',
  })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: '$property must be letters, digits, _ . -' })
  code!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @FreeText()
  note?: string;
}

export class SupplementDto {
  @ApiProperty({ type: [SupplementItemDto], minItems: 1, maxItems: 20 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => SupplementItemDto)
  items!: SupplementItemDto[];

  @ApiPropertyOptional({ format: 'uuid', description: 'A new portrait from the library' })
  @IsOptional()
  @IsUUID()
  photoId?: string;

  @ApiPropertyOptional({ type: FingerprintsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => FingerprintsDto)
  fingerprints?: FingerprintsDto;

  @ApiPropertyOptional({ type: GuardianDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GuardianDto)
  guardian?: GuardianDto;
}

export class CancelDto {
  @ApiProperty({ maxLength: 200, example: 'applicant will apply at the hukou place' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: '$property must not be blank' })
  @FreeText()
  reason!: string;
}
