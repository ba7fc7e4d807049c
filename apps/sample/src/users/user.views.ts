import { ApiProperty } from '@nestjs/swagger';
import type { UserEntity, UserStatus } from './user.entity';

/** What a user sees of their own account. */
export class ProfileView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ type: [String], example: ['user'] })
  roles: string[];

  static of(user: UserEntity): ProfileView {
    return { id: user.id, email: user.email ?? '', roles: user.roles };
  }
}

/** What an admin sees of an account. Deleted accounts keep their id and lose their email. */
export class UserView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, nullable: true, example: 'ada@example.com' })
  email: string | null;

  @ApiProperty({ type: [String], example: ['user'] })
  roles: string[];

  @ApiProperty({ enum: ['active', 'suspended', 'deleted'] })
  status: UserStatus;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  static of(user: UserEntity): UserView {
    return {
      id: user.id,
      email: user.email,
      roles: user.roles,
      status: user.status,
      created_at: new Date(user.createdAt).toISOString(),
    };
  }
}
