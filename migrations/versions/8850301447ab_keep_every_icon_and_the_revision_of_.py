"""Keep every icon and the revision of each change

The icon table's primary key becomes (image_id, digest), so that uploading a
new icon adds a row instead of overwriting the old picture. Each history row
gets the image revision it produced, so that an edit based on an older
revision can show what changed since.

Revision ID: 8850301447ab
Revises: 457e8849d458
Create Date: 2026-12-04 15:24:02.333461

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8850301447ab'
down_revision = '457e8849d458'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('image_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))

    with op.batch_alter_table('image_icon', schema=None) as batch_op:
        batch_op.drop_constraint('pk_image_icon', type_='primary')
        batch_op.create_primary_key('pk_image_icon', ['image_id', 'digest'])


def downgrade():
    # Only the current icon of each image survives a downgrade.
    op.execute(
        "DELETE FROM image_icon WHERE NOT EXISTS (SELECT 1 FROM image "
        "WHERE image.id = image_icon.image_id AND image.icon_digest = image_icon.digest)"
    )
    with op.batch_alter_table('image_icon', schema=None) as batch_op:
        batch_op.drop_constraint('pk_image_icon', type_='primary')
        batch_op.create_primary_key('pk_image_icon', ['image_id'])

    with op.batch_alter_table('image_change', schema=None) as batch_op:
        batch_op.drop_column('revision')
