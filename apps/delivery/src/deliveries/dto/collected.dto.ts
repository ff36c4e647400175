import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmptyObject, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { PlainText } from '@app/platform';

export class CollectorDto {
  @ApiProperty({ enum: ['APPLICANT', 'PROXY'] })
  @IsIn(['APPLICANT', 'PROXY'])
  type!: 'APPLICANT' | 'PROXY';

  @ApiProperty({ description: "collector's name as on their ID card", maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @PlainText()
  name!: string;

  @ApiProperty({ description: "collector's 18-character citizen ID number" })
  @Matches(/^\d{17}[\dXx]$/, { message: 'idNumber must be an 18-character citizen ID number' })
  idNumber!: string;
}

export class CollectedDto {
  @ApiProperty({ description: 'number on the pickup receipt (领取凭证) presented', maxLength: 40 })
  @IsString()
  @Length(1, 40)
  receiptNumber!: string;

  @ApiProperty({ type: CollectorDto })
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => CollectorDto)
  collector!: CollectorDto;
}
