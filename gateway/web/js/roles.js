// The gateway's roles (gateway/gateway/auth.py) and who may use what, so each
// role sees only the navigation and actions the API admits for it.
const STAFF = ["admin", "admissions_officer", "project_coordinator", "mentor_coordinator", "certificate_officer", "teacher"];

export const ROLES = {
  staff: STAFF,
  staffAndEnterprise: STAFF.concat(["enterprise_user"]),
  all: STAFF.concat(["enterprise_user", "student"]),
  partnerReaders: ["admin", "admissions_officer", "project_coordinator", "mentor_coordinator", "teacher"],
  admissions: ["admin", "admissions_officer"],
  admissionsAndEnterprise: ["admin", "admissions_officer", "enterprise_user"],
  // an applicant's file is not a teacher's: they tutor students and teams, not applicants
  applicationReaders: ["admin", "admissions_officer", "project_coordinator", "mentor_coordinator", "certificate_officer", "enterprise_user"],
  projectEditors: ["admin", "project_coordinator", "enterprise_user"],
  teamFormers: ["admin", "project_coordinator"],
  reviewers: ["admin", "project_coordinator", "teacher", "enterprise_user"],
  mentorCoordinators: ["admin", "mentor_coordinator"],
  secondmentReaders: ["admin", "mentor_coordinator", "teacher", "enterprise_user"],
  certificateOfficers: ["admin", "certificate_officer"],
  candidatesAndOfficers: ["admin", "certificate_officer", "student", "teacher"],
  creditReaders: ["admin", "certificate_officer", "student"],
  // an enterprise's costs and returns: staff but teachers, and the enterprise's own users
  costReaders: ["admin", "admissions_officer", "project_coordinator", "mentor_coordinator", "certificate_officer", "enterprise_user"],
  rateReaders: ["admin", "admissions_officer", "project_coordinator", "mentor_coordinator", "certificate_officer"],
};

export function can(user, roles) { return !!user && roles.includes(user.role); }
