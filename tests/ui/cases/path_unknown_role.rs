use authz_core::prelude::*;

#[derive(Actor)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub wards: RoleMap<Ward>,
}

#[derive(Resource)]
#[resource(actor = User)]
#[roles(Nurse)]
#[permission(Read, if = role(Nurse))]
pub struct Ward {
    pub id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(ward: Ward = ward_id)]
#[permission(Read, if = ward.allows(Read))]
pub struct Patient {
    pub id: i64,
    pub ward_id: i64,
}

#[derive(Resource)]
#[resource(actor = User)]
#[relation(patient: Patient = patient_id)]
#[permission(Read, if = patient.ward.role(Nurze))]
pub struct Record {
    pub id: i64,
    pub patient_id: i64,
}

fn main() {}
