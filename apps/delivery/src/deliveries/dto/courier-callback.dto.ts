import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { FreeText } from '@app/platform';

export class CourierCallbackDto {
  @ApiProperty({ enum: ['DELIVERED', 'RETURNED'] })
  @IsIn(['DELIVERED', 'RETURNED'])
  event!: 'DELIVERED' | 'RETURNED';

  @ApiPropertyOptional({
    description: 'DELIVERED: the 6-digit code the addressee showed',
    example: '042917',
  })
  @ValidateIf((o: CourierCallbackDto) => o.event === 'DELIVERED')
  @Matches(/^\d{6}$/, { message: 'pickupCode must be 6 digits' })
  pickupCode?: string;

  @ApiPropertyOptional({
    description: 'RETURNED: why the card could not be delivered',
    maxLength: 200,
  })
  @ValidateIf((o: CourierCallbackDto) => o.event === 'RETURNED')
  @IsString()
  @Length(1, 200)
  @FreeText()
  reason?: string;
}
