"""Errors of the grid domain: stable codes, Chinese and English messages."""

from __future__ import annotations

from app.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed, _


class GridNotFound(NotFound):
    code = "grid_not_found"
    message = _("网格不存在或无权查看", "No such grid")


class BuildingNotFound(NotFound):
    code = "building_not_found"
    message = _("楼栋不存在或无权查看", "No such building")


class AddressNotFound(NotFound):
    code = "address_not_found"
    message = _("住址登记不存在或无权查看", "No such address")


class BuildingExists(Conflict):
    code = "building_exists"
    message = _("该小区已有同名楼栋", "This compound already has a building of that name")


class GridExists(Conflict):
    code = "grid_exists"
    message = _("该社区已有同名网格", "This community already has a grid of that name")


class GridInUse(Conflict):
    code = "grid_in_use"
    message = _(
        "网格下还有楼栋或人员，不能删除", "The grid still has buildings or people; it cannot be deleted"
    )


class BuildingInUse(Conflict):
    code = "building_in_use"
    message = _(
        "楼栋已有居民登记或其他记录，不能删除",
        "Residents or records refer to this building; it cannot be deleted",
    )


class AddressClosed(InvalidTransition):
    code = "address_closed"
    message = _("这条住址已迁出，不能确认", "This address is no longer current and cannot be confirmed")


class NoCommunity(ValidationFailed):
    code = "community_not_joined"
    message = _("请先选择所在社区", "Join a community first")


class BoardEntryNotFound(NotFound):
    code = "board_entry_not_found"
    message = _("服务信息不存在或无权查看", "No such board entry")


class BoardTargetInvalid(ValidationFailed):
    code = "board_target_invalid"
    message = _(
        "请只指定一个位置：社区、网格或楼栋", "Give at most one place: community_id, grid_id or building_id"
    )


class PersonalPhone(ValidationFailed):
    code = "personal_phone_refused"
    message = _(
        "这是居民的个人号码，服务信息栏只能公示工作电话",
        "That is a resident's personal number; a board shows work phones only",
    )


class TooManyBuildings(ValidationFailed):
    code = "too_many_buildings"
    message = _("楼栋太多，请分网格下载", "Too many buildings for one PDF; download grid by grid")


class ImportInvalid(ValidationFailed):
    code = "import_invalid"
    message = _("导入文件有误，未导入任何楼栋", "The file has errors; no building was imported")


class ImportTooLarge(ValidationFailed):
    code = "import_too_large"
    message = _("导入文件过大或行数过多", "The import file is too large or has too many rows")
