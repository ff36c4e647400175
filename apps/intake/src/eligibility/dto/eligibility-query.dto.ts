import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { PILOT_SERVICES, PilotService } from '@app/domain';

export class EligibilityQueryDto {
  @ApiProperty({
    description: 'Residence: 6-digit county code (e.g. of the acceptance point)',
    example: '330402',
  })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'residence must be a 6-digit division code' })
  residence!: string;

  @ApiProperty({ description: 'Declared hukou address: 6-digit county code', example: '340104' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'hukou must be a 6-digit division code' })
  hukou!: string;

  @ApiPropertyOptional({
    description: 'YYYY-MM-DD; defaults to today in China (Asia/Shanghai)',
    example: '2021-11-15',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a date as YYYY-MM-DD' })
  date?: string;

  @ApiPropertyOptional({
    description:
      'The service asked about: first ID card application (default) or newborn registration',
    enum: PILOT_SERVICES,
    default: 'idcard',
  })
  @IsOptional()
  @IsIn(PILOT_SERVICES, { message: `service must be one of ${PILOT_SERVICES.join(', ')}` })
  service?: PilotService;
}

class DivisionRefView {
  @ApiProperty({ example: '33' }) code!: string;
  @ApiProperty({ example: '浙江省' }) name!: string;
}

class RuleRefView {
  @ApiProperty({ example: 'yrd-region-wide' }) id!: string;
  @ApiProperty({ enum: ['pilot-units', 'region-wide', 'national', 'one-way', 'exclusion'] })
  kind!: string;
  @ApiProperty() description!: string;
}

export class EligibilityView {
  @ApiProperty() eligible!: boolean;
  @ApiProperty({ enum: PILOT_SERVICES, description: 'The service the answer is for' })
  service!: PilotService;
  @ApiProperty({ type: DivisionRefView }) residenceProvince!: DivisionRefView;
  @ApiProperty({ type: DivisionRefView }) hukouProvince!: DivisionRefView;
  @ApiProperty({ format: 'date', example: '2021-11-15' }) date!: string;
  @ApiProperty({ type: RuleRefView, nullable: true, description: 'The rule that decided' })
  rule!: RuleRefView | null;
  @ApiProperty({ description: 'One English sentence for the clerk' }) reason!: string;
  @ApiPropertyOptional({
    format: 'date',
    description: 'When not eligible: the first later date the route opens',
  })
  opensOn?: string;
}
