import {
  Body,
  Controller,
  HttpStatus,
  Post,
  Res,
  UploadedFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors, Caller, CurrentCaller } from '@app/platform';
import { ApiCallerHeaders } from '../common/api-docs';
import { ClerkGuard } from '../common/clerk.guard';
import { badRequest, clerkPoint } from '../common/http-problems';
import { PhotoUploadDto, PhotoView } from './dto/photo-upload.dto';
import { PhotosService } from './photos.service';

/** The part of a multer file this controller reads (memory storage). */
interface UploadedImage {
  fieldname: string;
  size: number;
  buffer: Buffer;
}

@ApiTags('photos')
@ApiCallerHeaders()
@ApiExtraModels(PhotoUploadDto)
@UseGuards(ClerkGuard)
@Controller('api/v1/photos')
export class PhotosController {
  constructor(private readonly photos: PhotosService) {}

  @Post()
  @UseInterceptors(FileInterceptor('image'))
  @ApiOperation({
    summary: 'Store a portrait in the regional photo library',
    description:
      "The region is the province of the clerk's acceptance point. The image must be a JPEG or PNG (by its bytes) that decodes, at the ID photo geometry (358×441 px ±5% by default); it is stored re-encoded as a JPEG at exactly that size without metadata. The same image again in the same region returns the same photoId with 200.",
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          required: ['image'],
          properties: {
            image: {
              type: 'string',
              format: 'binary',
              description: 'JPEG or PNG, ≤ PHOTO_MAX_BYTES (2 MB)',
            },
            capturedAt: { type: 'string', format: 'date-time' },
          },
        },
        { $ref: getSchemaPath(PhotoUploadDto) },
      ],
    },
  })
  @ApiCreatedResponse({ type: PhotoView, description: 'Stored' })
  @ApiOkResponse({ type: PhotoView, description: 'The same image was already in the library' })
  @ApiErrors({
    400: 'No image, both a file part and imageBase64, not a JPEG/PNG (image.type), does not decode (image.decode), bad capturedAt',
    403: 'Not a clerk',
    413: 'Image larger than PHOTO_MAX_BYTES',
    422: 'Declared size too large (image.dimensions), not the ID photo geometry (image.geometry), too much metadata (image.metadata)',
  })
  async upload(
    @CurrentCaller() caller: Caller,
    @UploadedFile() file: UploadedImage | undefined,
    @Body() dto: PhotoUploadDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PhotoView> {
    const point = clerkPoint(caller);
    if (file && dto.imageBase64 !== undefined) {
      throw badRequest(
        'image',
        'image.one',
        'image: send either a file part or imageBase64, not both',
      );
    }
    const bytes = file
      ? file.buffer
      : dto.imageBase64 !== undefined
        ? Buffer.from(dto.imageBase64, 'base64')
        : undefined;
    if (!bytes) {
      throw badRequest(
        'image',
        'image.required',
        'image: required (multipart part "image", or "imageBase64" in a JSON body)',
      );
    }
    const stored = await this.photos.store(
      point.slice(0, 2),
      caller.subject,
      bytes,
      dto.capturedAt,
    );
    res.status(stored.created ? HttpStatus.CREATED : HttpStatus.OK);
    return stored.view;
  }
}
