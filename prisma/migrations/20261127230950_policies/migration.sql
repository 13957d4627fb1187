-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "policy" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "refill" JSONB,
ADD COLUMN     "refilled_at" TIMESTAMP(3),
ADD COLUMN     "remaining" INTEGER,
ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "oauth_clients" ADD COLUMN     "policy" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "plan_id" TEXT,
ADD COLUMN     "policy" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "plans" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "policy" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "apis" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "base_path" TEXT NOT NULL,
    "upstream_url" TEXT NOT NULL,
    "openapi" JSONB,
    "security_schemes" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "apis_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "route_rules" (
    "id" TEXT NOT NULL,
    "api_id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path_template" TEXT NOT NULL,
    "operation_id" TEXT,
    "security" JSONB NOT NULL DEFAULT '[]',
    "anonymous" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "route_rules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "plans_name_key" ON "plans"("name");

-- CreateIndex
CREATE UNIQUE INDEX "apis_base_path_key" ON "apis"("base_path");

-- CreateIndex
CREATE UNIQUE INDEX "route_rules_api_id_method_path_template_key" ON "route_rules"("api_id", "method", "path_template");

-- AddForeignKey
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "route_rules" ADD CONSTRAINT "route_rules_api_id_fkey" FOREIGN KEY ("api_id") REFERENCES "apis"("id") ON DELETE CASCADE ON UPDATE CASCADE;
